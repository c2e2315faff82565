"""`midigan generate OUT.mid`: new tunes of an exact number of bars from a trained model."""

from __future__ import annotations

from pathlib import Path

import click

SHIPPED_MODEL = "folk.pt"  # in midigan/assets/
FAMILY_NAME = "music-seq"


def shipped_model() -> Path:
    """The small folk model that comes inside the package."""
    from importlib.resources import files

    return Path(str(files("midigan") / "assets" / SHIPPED_MODEL))


def _outputs(out: Path, count: int) -> list[Path]:
    """OUT itself for one tune (.mid added when it has no suffix); OUT/tune-001.mid ... for
    several, or whenever OUT is an existing folder."""
    if count > 1 or out.is_dir():
        return [out / f"tune-{i:03d}.mid" for i in range(1, count + 1)]
    if not out.suffix:
        return [out.with_suffix(".mid")]
    if out.suffix.lower() not in (".mid", ".midi"):
        raise click.ClickException(f"{out} is not a MIDI file name: end it in .mid, or give a folder")
    return [out]


@click.command()
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--model", "model_path", type=click.Path(path_type=Path),
              help="Run folder or checkpoint (default: newest run under ./runs, else the shipped folk model).")
@click.option("--bars", type=int, default=16, show_default=True, help="Bars per tune, in the model's meter.")
@click.option("--count", type=int, default=1, show_default=True, help="Number of tunes; above 1, OUT is a folder.")
@click.option("--seed", type=int, help="Make the tunes reproducible.")
@click.option("--tempo", type=click.FloatRange(min=1, max=1000), default=120.0, show_default=True, help="Quarter notes per minute.")
@click.option("--key", help="Tonic to move the tune to, e.g. G or Em (the tune keeps its mode). Default: C major / A minor.")
@click.option("--program", type=click.IntRange(0, 127), default=0, show_default=True, help="General MIDI instrument (0 = piano).")
@click.option("--temperature", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True,
              help="Below 1: safer tunes; above 1: wilder ones.")
@click.option("--wav", is_flag=True, help="Also render audio next to each MIDI file.")
@click.option("--png", is_flag=True, help="Also draw a piano roll next to each MIDI file.")
@click.option("--checkpoint", "which", type=click.Choice(["best", "last"]), default="best", show_default=True,
              help="Which checkpoint of a run folder: the one validation chose, or the latest.")
@click.option("--allow-copies", is_flag=True,
              help="Keep tunes that quote a long phrase of the training tunes (by default they are drawn again).")
def generate(out: Path, model_path: Path | None, bars: int, count: int, seed: int | None, tempo: float, key: str | None,
             program: int, temperature: float, wav: bool, png: bool, which: str, allow_copies: bool) -> None:
    """Write new tunes of exactly --bars bars to OUT (a .mid file, or a folder with --count > 1).

    Each tune follows the form of a training tune (which bars repeat), and a tune that quotes a
    long phrase of the training tunes is drawn again (--allow-copies keeps it)."""
    if bars < 1:
        raise click.ClickException(f"--bars must be at least 1 (got {bars})")
    if count < 1:
        raise click.ClickException(f"--count must be at least 1 (got {count})")
    from midigan.music.generate import parse_key

    if key is not None:
        try:
            parse_key(key)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
    paths = _outputs(out, count)
    if model_path is None:
        from midigan.core.rundir import newest_run

        model_path = newest_run("runs", family=FAMILY_NAME)
        source = "newest run" if model_path is not None else "shipped folk model"
        model_path = model_path or shipped_model()
        click.echo(f"using the {source}: {model_path}", err=True)

    import torch

    from midigan.core.checkpoint import load_model
    from midigan.core.errors import CheckpointError
    from midigan.music.form import Forms
    from midigan.music.model import MusicSeqFamily
    from midigan.music.novelty import CopyError, NoveltyGuard, draw_novel

    # sampling is a chain of tiny steps: one thread is ~20x faster than two on a busy 2-core CPU
    # (measured 0.15 s against 2.7 s for a 16-bar tune)
    torch.set_num_threads(1)

    try:
        model = load_model(model_path, MusicSeqFamily, which=f"{which}.pt")
    except CheckpointError as error:
        raise click.ClickException(str(error)) from None
    family, forms = model.family, Forms.from_artifacts(model.artifacts)
    guard = None if allow_copies else NoveltyGuard.from_artifacts(model.artifacts)

    def draw(n: int, draw_seed: int | None) -> list:
        return family.generate(model.generator, bars, n, draw_seed, forms=forms, tempo=tempo, key=key, program=program,
                               temperature=temperature)

    try:
        songs, redrawn = draw_novel(draw, count, guard, seed)
    except (ValueError, CopyError) as error:
        raise click.ClickException(str(error)) from None
    if redrawn:
        click.echo(f"drew {redrawn} again: they quoted a {guard.length}-note phrase of the training tunes", err=True)
    try:
        _write_all(songs, paths, wav, png)
    except OSError as error:
        raise click.ClickException(f"cannot write {error.filename or out}: {error.strerror or error}") from None
    meter = "/".join(map(str, family.vocabulary.meter))
    where = paths[0] if count == 1 else f"{out}/ ({count} files)"
    click.echo(f"wrote {count} tune{'s' if count > 1 else ''} of {bars} bars in {meter} to {where}")


def _write_all(songs: list, paths: list[Path], wav: bool, png: bool) -> None:
    from midigan.midi import write

    paths[0].parent.mkdir(parents=True, exist_ok=True)
    for song, path in zip(songs, paths):
        write(song, path)
        if wav:
            from midigan.audio import render

            render(song, path.with_suffix(".wav"))
        if png:
            from midigan.pianoroll_png import write_pianoroll_png

            write_pianoroll_png(song, path.with_suffix(".png"))

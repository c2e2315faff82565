"""`midigan generate OUT.mid`: new music of an exact number of bars from a trained model."""

from __future__ import annotations

import os
from pathlib import Path

import click

MAX_BARS = 512  # a long piece takes seconds; a typo of 100000000 bars must not run for hours
MAX_COUNT = 1000


def _outputs(out: str, count: int) -> list[Path]:
    """OUT itself for one piece (.mid added when it has no suffix); OUT/tune-001.mid ... for
    several, or whenever OUT is a folder (an existing one, or a name ending in /)."""
    from midigan.midi.folders import MIDI_SUFFIXES

    folder = Path(out)
    if count > 1 or folder.is_dir() or out.endswith(("/", os.sep)):
        if folder.suffix.lower() in MIDI_SUFFIXES and not folder.is_dir():
            why = f"with --count {count}, OUT is a folder" if count > 1 else "OUT ends in /, a folder"
            raise click.ClickException(f"{why}, and {out} names a MIDI file: give a folder")
        return [folder / f"tune-{i:03d}.mid" for i in range(1, count + 1)]
    if not folder.suffix:
        return [folder.with_suffix(".mid")]
    if folder.suffix.lower() not in MIDI_SUFFIXES:
        raise click.ClickException(f"{out} is not a MIDI file name: end it in .mid, or give a folder")
    return [folder]


@click.command()
@click.argument("out", type=click.Path())  # as typed: a trailing / says "a folder"
@click.option("--model", "model_spec",
              help="Run folder, checkpoint, or a shipped model's name: folk or chorales "
                   "(default: newest run under ./runs, else folk).")
@click.option("--bars", type=int, default=16, show_default=True,
              help=f"Bars per piece, in the model's meter (at most {MAX_BARS}; with --melody, the melody's).")
@click.option("--count", type=int, default=1, show_default=True, help=f"Number of pieces (at most {MAX_COUNT}); above 1, OUT is a folder.")
@click.option("--melody", "melody_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Harmonise this melody: it becomes the top part and the model writes the others, for as many "
                   "bars as it has (a model of several parts only; a pickup bar is left out).")
@click.option("--primer", "primer_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Open with this piece's first bars, unchanged, and carry on in its key and tempo (a pickup bar is left out).")
@click.option("--primer-bars", type=click.IntRange(min=1), help="How many of the primer's bars to keep (default: all, up to --bars).")
@click.option("--seed", type=int, help="Make the pieces reproducible.")
@click.option("--tempo", type=click.FloatRange(min=1, max=1000), default=120.0, show_default=True,
              help="Quarter notes per minute (not with --primer or --melody, whose file sets the tempo).")
@click.option("--key", help="Tonic to move the piece to, e.g. G or D (it keeps its own mode: a minor piece asked for in D comes "
              "out in D minor, and Em is read as E). Default: a melody model's "
              "training tunes' keys, drawn at random; else C major / A minor. Not with --primer or --melody.")
@click.option("--program", type=click.IntRange(0, 127), default=0, show_default=True,
              help="General MIDI instrument of a melody model's tunes (0 = piano; not with --primer, whose instrument "
                   "plays on); parts keep their own.")
@click.option("--temperature", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True,
              help="Below 1: safer music; above 1: wilder.")
@click.option("--wav", is_flag=True, help="Also render audio next to each MIDI file.")
@click.option("--png", is_flag=True, help="Also draw a piano roll (each part in its own colour) next to each MIDI file.")
@click.option("--checkpoint", "which", type=click.Choice(["best", "last"]), default="best", show_default=True,
              help="Which checkpoint of a run folder: the one validation chose, or the latest.")
@click.option("--draws", type=click.IntRange(1, 16),
              help="Pieces drawn for each one kept (default: 8 for a model of parts): it keeps those whose style (leaps, "
                   "rhythm, spacing, parallels per part) is likeliest the training music's; 1 keeps every draw.")
@click.option("--allow-copies", is_flag=True,
              help="Keep pieces that quote a long passage of the training music (by default they are drawn again).")
def generate(out: str, model_spec: str | None, bars: int, count: int, melody_file: Path | None, primer_file: Path | None,
             primer_bars: int | None, seed: int | None, tempo: float, key: str | None, program: int, temperature: float, wav: bool,
             png: bool, which: str, draws: int | None, allow_copies: bool) -> None:
    """Write new music of exactly --bars bars to OUT (a .mid file, or a folder with --count > 1).

    Each piece follows the form of a training piece (which bars repeat), and a piece that quotes
    a long passage of the training music is drawn again (--allow-copies keeps it)."""
    if not 1 <= bars <= MAX_BARS:
        raise click.ClickException(f"--bars must be between 1 and {MAX_BARS} (got {bars})")
    if not 1 <= count <= MAX_COUNT:
        raise click.ClickException(f"--count must be between 1 and {MAX_COUNT} (got {count})")
    if primer_bars is not None and primer_file is None:
        raise click.ClickException("--primer-bars says how many of the primer's bars to keep: give the primer with --primer")
    if key is not None and (primer_file or melody_file):
        given = "--primer" if primer_file else "--melody"
        raise click.ClickException(f"--key moves a new piece; with {given} the piece stays in its file's key (transpose the file instead)")
    from midigan.core.options import typed

    options = typed(click.get_current_context())  # typed, they were dropped, or split a tune between two instruments
    if "tempo" in options and (primer_file or melody_file):
        given = "--primer" if primer_file else "--melody"
        raise click.ClickException(f"--tempo sets a new piece's tempo; with {given} the piece keeps its file's tempo")
    if "bars" in options and melody_file:
        raise click.ClickException("--bars sets a new piece's length; a harmonised melody has as many bars as its file")
    if "program" in options and primer_file:
        raise click.ClickException("--program sets a new tune's instrument; with --primer the tune keeps its file's instrument")
    from midigan.music.keys import parse_key

    if key is not None:
        try:
            parse_key(key)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
    paths = _outputs(out, count)
    from midigan.music.catalogue import resolve_model

    model_path, found = resolve_model(model_spec)
    if model_spec is None:
        click.echo(f"using the {found}: {model_path}", err=True)

    import torch

    from midigan.core.errors import CheckpointError
    from midigan.music.catalogue import load_music_model
    from midigan.music.generation import Request, generate_music

    # sampling is a chain of tiny steps: one thread is ~20x faster than two on a busy 2-core CPU
    # (measured 0.15 s against 2.7 s for a 16-bar tune)
    torch.set_num_threads(1)

    try:
        model = load_music_model(model_path, which=f"{which}.pt")
    except CheckpointError as error:
        raise click.ClickException(str(error)) from None
    family = model.family
    if melody_file is not None and not family.harmonises:
        raise click.ClickException(f"--melody needs a model of several parts; {model_path} writes melodies")
    request = Request(bars, count, seed, tempo, key, program, temperature, primer_bars=primer_bars, allow_copies=allow_copies,
                      **({"draws": draws} if draws is not None else {}),
                      melody=_read_music(melody_file, "melody") if melody_file is not None else None,
                      primer=_read_music(primer_file, "primer") if primer_file is not None else None)
    try:
        generated = generate_music(model, request)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    songs = generated.songs
    if draws is not None and draws > 1 and generated.draws == 1:
        click.echo("drew each piece once: --draws needs a model of parts that keeps its training music's style, "
                   "and writes alone (no --primer, no --melody)", err=True)
    if generated.redrawn:
        click.echo(f"drew {generated.redrawn} again: they quoted a {generated.unit} of the training pieces", err=True)
    try:
        _write_all(songs, paths, wav, png)
    except OSError as error:
        raise click.ClickException(f"cannot write {error.filename or out}: {error.strerror or error}") from None
    meter = "/".join(map(str, family.vocabulary.meter))
    where = paths[0] if count == 1 else f"{paths[0].parent}/ ({count * (1 + wav + png)} files)"
    parts = f" ({', '.join(family.part_names)})" if family.part_names else ""
    click.echo(f"wrote {count} {family.unit}{'s' if count > 1 else ''} of {songs[0].n_bars} bars in {meter}{parts} to {where}")
    older = sorted(set(paths[0].parent.glob("tune-*.mid")) - set(paths)) if paths[0].name.startswith("tune-") else []
    if older:  # a folder written before with more pieces: say so, rather than let its extra files pass as new
        pieces = f"{len(older)} piece{'s' if len(older) > 1 else ''}"
        click.echo(f"note: {paths[0].parent}/ also holds {pieces} from before ({older[0].name} ...), left as they were", err=True)


def _read_music(path: Path, what: str):
    from midigan.midi import MidiReadError, read

    try:
        return read(path)
    except (MidiReadError, OSError) as error:
        raise click.ClickException(f"cannot read the {what} {path}: {error}") from None


def _write_all(songs: list, paths: list[Path], wav: bool, png: bool) -> None:
    from midigan.core.files import written_whole
    from midigan.midi import write
    from midigan.render.audio import render
    from midigan.render.pianoroll import write_pianoroll_png

    paths[0].parent.mkdir(parents=True, exist_ok=True)
    for song, path in zip(songs, paths):
        targets = [(write, path)] + [(render, path.with_suffix(".wav"))] * wav + [(write_pianoroll_png, path.with_suffix(".png"))] * png
        for writer, target in targets:  # each file whole: Ctrl-C in a long WAV left half of one
            with written_whole(target) as temporary:
                writer(song, temporary)

"""`midigan prepare SONGS_DIR -o DATASET`: read a folder of MIDI files into a cached dataset."""

from __future__ import annotations

import click


@click.command()
@click.argument("songs_dir", type=click.Path(file_okay=False, dir_okay=True, exists=True))
@click.option("-o", "--out", type=click.Path(file_okay=False), default=None,
              help="Dataset folder to write (default: a cache folder under ~/.cache/midigan).")
@click.option("--steps-per-beat", type=click.IntRange(1, 960), default=12, show_default=True,
              help="Grid steps per quarter note (12 holds 16ths and triplets).")
@click.option("--workers", type=click.IntRange(1), default=None,
              help="Processes reading files in parallel (default: all cores; 1 reads in-process).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def prepare(songs_dir: str, out: str | None, steps_per_beat: int, workers: int | None, quiet: bool) -> None:
    """Read every .mid/.midi file under SONGS_DIR (recursively) into a dataset.

    Files that cannot be read are skipped and counted by reason. Preparing the same folder with the
    same settings again reads only new or changed files.
    """
    from midigan.midi.dataset import DatasetError
    from midigan.midi.dataset import prepare as prepare_dataset

    try:
        result = prepare_dataset(songs_dir, out=out, steps_per_beat=steps_per_beat, workers=workers, progress=not quiet)
    except DatasetError as error:
        raise click.ClickException(str(error)) from None
    except OSError as error:
        raise click.ClickException(f"cannot write {error.filename}: {error.strerror}") from None
    for line in result.summary.lines():
        click.echo(line)
    click.echo(f"dataset: {result.path}")

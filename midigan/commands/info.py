"""`midigan info FILE.mid`: show what the converter sees in one MIDI file."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from midigan.song import Song


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--steps-per-beat", type=click.IntRange(1, 960), default=12, show_default=True,
              help="Grid steps per quarter note.")
def info(file: str, steps_per_beat: int) -> None:
    """Print tracks, notes, tempo map, meters, bars, key and dropped notes of FILE."""
    from midigan.midi import MidiReadError, read

    try:
        song = read(file, steps_per_beat)
    except MidiReadError as error:
        raise click.ClickException(f"{file}: {error}") from None
    for line in describe(song):
        click.echo(line)


def describe(song: Song) -> list[str]:
    """Aligned lines describing `song`: its metadata, then one row per track."""
    import numpy as np

    notes = song.notes
    spb = song.steps_per_beat

    def at(step: int) -> str:
        return f"beat {step / spb:g}"

    rows = [("file", song.source), ("grid", f"{spb} steps per beat"),
            ("notes", str(len(notes))), ("bars", str(song.n_bars)),
            ("length", f"{song.end / spb:g} beats")]
    rows += [("tempo" if i == 0 else "", f"{bpm:g} quarter notes per minute at {at(step)}")
             for i, (step, bpm) in enumerate(song.tempos)]
    rows += [("meter" if i == 0 else "", f"{n}/{d} at {at(step)}")
             for i, (step, n, d) in enumerate(song.time_signatures)]
    rows += [("key" if i == 0 else "", f"{key} at {at(step)}") for i, (step, key) in enumerate(song.key_signatures)]
    for label, counts in (("dropped", song.dropped), ("repaired", song.repaired)):
        rows += [(label if i == 0 else "", f"{count} {reason}") for i, (reason, count) in enumerate(counts.items())]
    if not song.dropped:
        rows.append(("dropped", "nothing"))
    width = max(len(name) for name, _ in rows)
    lines = [f"{name:<{width}}  {value}" for name, value in rows]
    lines += ["", f"{'track':>5}  {'name':<20} {'program':>7} {'drums':>5} {'notes':>6}  pitches"]
    for track in np.unique(notes["track"]):
        mine = notes[notes["track"] == track]
        programs = "/".join(str(p) for p in np.unique(mine["program"]))
        pitches = f"{mine['pitch'].min()}-{mine['pitch'].max()}"
        lines.append(f"{track:>5}  {song.track_names.get(int(track), ''):<20.20} {programs:>7} "
                     f"{'yes' if mine['is_drum'].any() else 'no':>5} {len(mine):>6}  {pitches}")
    return lines

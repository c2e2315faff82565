"""What many tests share: where the data lives, songs built note by note, and the commands run in
this process. Importable from every test (pyproject puts tests/ on the path)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from click.testing import CliRunner, Result

from midigan.song import NOTE_DTYPE, Song, sort_notes

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
MIDI = DATA / "midi"
FOLK = MIDI / "folk"
BACH = MIDI / "bach"
CHORALES_HELD_OUT = MIDI / "chorales-heldout"
IMAGES = DATA / "images"
TABLES = DATA / "tables"
PLACEMENTS = TABLES / "student_placements.csv"
MPG = TABLES / "mpg.csv"
ANES_HEAD = TABLES / "anes96_head.csv"
#: the shared public-domain collections next to the checkout (absent on some machines: tests skip)
SHARED_DATA = ROOT.parent / "shared" / "data"


def make_song(rows, meter: tuple[int, int] = (4, 4), track: int = 0, velocity: int = 100, **song: object) -> Song:
    """A song from (pitch, onset, duration[, track[, is_drum]]) rows in grid steps, in `meter`
    unless `time_signatures` is given; `track` for rows that name none; other keywords go to `Song`."""
    notes = np.zeros(len(rows), NOTE_DTYPE)
    for row, values in zip(notes, rows, strict=True):
        row["pitch"], row["onset"], row["duration"] = values[:3]
        row["track"] = values[3] if len(values) > 3 else track
        row["is_drum"] = values[4] if len(values) > 4 else False
    notes["velocity"] = velocity
    song.setdefault("time_signatures", [(0, *meter)])
    return Song(notes=sort_notes(notes), **song)


def quarters(pitches: list[int], start: int = 0) -> list[tuple[int, int, int]]:
    """One quarter note (12 steps) per pitch, back to back."""
    return [(pitch, start + 12 * i, 12) for i, pitch in enumerate(pitches)]


def midigan(*arguments, **invoke: object) -> Result:
    """`midigan ARGUMENTS` in this process (arguments as strings)."""
    from midigan.cli import main

    return CliRunner().invoke(main, [str(argument) for argument in arguments], **invoke)


def imagegan(*arguments, **invoke: object) -> Result:
    """`imagegan ARGUMENTS` in this process (arguments as strings)."""
    from imagegan.cli import main

    return CliRunner().invoke(main, [str(argument) for argument in arguments], **invoke)



def one_line_error(result: Result, *fragments: str) -> str:
    """The one `Error:` line a command ended with (exit status 1, no traceback; lines it said
    before are allowed), checked to hold every fragment."""
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def trains_in_halves_as_straight(folder: Path, options: list, root: Path) -> tuple[Result, dict]:
    """`midigan train folder` for 4 steps straight, and for 3 then resumed to 4: both must end alike,
    weights bit for bit. Returns the straight run's result and checkpoint, for what a test checks of them."""
    import torch

    from midigan.core.checkpoint import load_checkpoint

    straight = midigan("train", folder, "--run-dir", "straight", "--max-steps", 4, *options)
    assert straight.exit_code == 0, straight.output
    first = midigan("train", folder, "--run-dir", "halves", "--max-steps", 3, *options)
    resumed = midigan("train", folder, "--run-dir", "halves", "--max-steps", 4, "--resume", "--quiet")
    assert first.exit_code == 0 and resumed.exit_code == 0, first.output + resumed.output
    a, b = (load_checkpoint(root / name / "checkpoints" / "last.pt") for name in ("straight", "halves"))
    assert a["step"] == b["step"] == 4
    for name in ("generator", "generator_ema", "discriminator"):
        assert all(torch.equal(a[name][key], b[name][key]) for key in a[name]), name
    return straight, a

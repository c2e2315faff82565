"""Does a parts run on a large folder use its budget? Issue 25 asks that on a folder of ~700 sections
a 10-minute `midigan train` run both pretrains and trains adversarially and ends within 5% of its budget.

No shared collection has that many sections in one meter, so this builds a stress folder from real
pieces: every chorale and madrigal in ../shared/data whose time signatures are all 4/4, as written and
transposed up 2 and down 3 semitones, rebarred to 4/2 (a bar holds two of the originals'), like the
Renaissance polyphony users bring: 864 files of four to six voices. Transposed copies are not new
music, so this measures the budget only, not quality. Then one default run, alone, and what it did.

    python benchmarks/parts_budget.py [--minutes 10] [--work runs/parts-budget]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

import mido

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SOURCES = ("bach", "madrigals")
TRANSPOSITIONS = (0, 2, -3)
DRUMS = 9  # the General MIDI percussion channel, never transposed


def build(folder: Path) -> int:
    """Writes the stress folder (see the module docstring); returns how many files it holds."""
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for source in SOURCES:
        for path in sorted((SHARED / source).rglob("*.mid")):
            midi = mido.MidiFile(path)
            meters = {(m.numerator, m.denominator) for track in midi.tracks for m in track if m.type == "time_signature"}
            if meters != {(4, 4)}:
                continue
            for semitones in TRANSPOSITIONS:
                _rebarred(midi, semitones).save(folder / f"{source}-{path.stem}{semitones:+d}.mid")
                written += 1
    return written


def _rebarred(midi: mido.MidiFile, semitones: int) -> mido.MidiFile:
    """The file in 4/2, moved by `semitones`."""
    copy = mido.MidiFile(type=midi.type, ticks_per_beat=midi.ticks_per_beat)
    for track in midi.tracks:
        messages = mido.MidiTrack()
        for message in track:
            if message.type == "time_signature":
                message = message.copy(numerator=4, denominator=2)
            elif message.type in ("note_on", "note_off") and message.channel != DRUMS:
                message = message.copy(note=min(127, max(0, message.note + semitones)))
            messages.append(message)
        copy.tracks.append(messages)
    return copy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--work", type=Path, default=Path("runs/parts-budget"))
    arguments = parser.parse_args()
    folder, run = arguments.work / "folder", arguments.work / "run"
    if not folder.is_dir():
        print(f"{build(folder)} files written to {folder}")
    shutil.rmtree(run, ignore_errors=True)
    started = time.monotonic()
    trained = subprocess.run(["midigan", "train", str(folder), "--max-minutes", str(arguments.minutes), "--run-dir", str(run)],
                             capture_output=True, text=True)
    minutes = (time.monotonic() - started) / 60
    if trained.returncode:
        sys.exit(f"training failed\n{trained.stdout}{trained.stderr}")
    said = [line for line in trained.stdout.splitlines() if line.strip() and not line.startswith("step ")]
    print("\n".join(said))
    print(f"\nthe command took {minutes:.2f} min of a {arguments.minutes:g}-minute budget ({minutes / arguments.minutes:.1%})")


if __name__ == "__main__":
    main()

"""Continuing a piece the user brings: the primer's first bars as they are, then the model.

Why kept verbatim: a musician who hands over eight bars expects to hear those eight bars, not the
model's reading of them. The model is fed the primer (moved to its common key, on its own grid
or durations) so it carries on from it, and what it writes after the primer's last bar line is
moved back to the primer's key and joined there: no gap, no overlap at the bar line. Parts the
primer does not play are written by the model from the first bar, which makes harmonising a
melody a primer of one part that lasts the whole piece. A primer in a meter whose bars the model's
regroup is re-barred in the model's meter (a 4/4 melody fits two bars to a 4/2 bar, as a singer
reads it): only beats grouped otherwise (3/4 against 4/4) are refused.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from midigan.music.errors import EncodingError
from midigan.music.keys import shift_to_common_key
from midigan.music.meters import Meter, bar_meters, bars_per_bar, meter_text, tune_meter
from midigan.song import Song, sort_notes


@dataclass
class Primer:
    """The bars of a primer that open the piece, in the primer's own key."""

    song: Song  # its first `bars` full bars (a pickup bar left out), notes cut at the last bar line
    bars: int
    shift: int  # semitones that move it to the model's common key

    @property
    def steps(self) -> int:
        return self.bars * self.song.bar_length()

    @property
    def in_common_key(self) -> Song:
        return self.song.transpose(self.shift)


def prepare_primer(song: Song, meter: Meter, bars: int | None = None, primer_bars: int | None = None,
                   what: str = "primer") -> Primer:
    """The primer's first `primer_bars` full bars (default: all of them), at most `bars`, in the
    model's `meter`: a primer whose bars the model's regroup (two 4/4 bars to a 4/2 bar, a 4/4 bar
    to two 2/4 bars) is re-barred from its first full bar, and both counts are in the model's bars.
    A primer whose meter changes gives the bars before the change, when they are all that is
    asked for. EncodingError (one line, naming it `what`) when it has no pitched notes, its beats
    group otherwise (3/4 against 4/4), or the bars asked for cross a change of meter."""
    pitched = song.notes[~song.notes["is_drum"]]
    if len(pitched) == 0:
        raise EncodingError(f"the {what} holds no pitched notes")
    found, before_change = tune_meter(song), None
    if found is None:  # its bars before the meter changes may be all that is asked for
        song, before_change = _before_the_change(song)
        found = tune_meter(song)
    changes = before_change is not None
    if found is None or bars_per_bar(found, meter) is None:
        raise EncodingError(f"the {what} {'opens' if changes else 'is'} in {meter_text(found) if found else 'changing meters'}, "
                            f"the model writes {meter_text(meter)}")
    first = song.first_full_bar()
    regrouped = replace(song.slice_bars(first, song.n_bars), time_signatures=[(0, *meter)])
    # before a change, the model's bars that fit whole before it, silent ones too (n_bars stops at
    # the last note, and counts a model bar the change cuts in half)
    available = regrouped.n_bars if before_change is None else before_change // regrouped.bar_length()
    if changes and min(bars or available + 1, primer_bars or available + 1) > available:
        hint = f": keep at most {available} of its bars" if what == "primer" and available else ""  # the studio has no --primer-bars
        counted = f"{available} bar{'s' if available != 1 else ''}"
        raise EncodingError(f"the {what} changes meter after {counted} in the model's {meter_text(meter)}{hint}")
    kept = min(available, bars or available, primer_bars or available)
    if kept < 1:
        raise EncodingError(f"the {what} has no full bar")
    opening = regrouped.slice_bars(0, kept)
    return Primer(opening, kept, shift_to_common_key(opening))


def _before_the_change(song: Song) -> tuple[Song, int]:
    """The piece's bars from its first full bar up to where its meter first changes, and the
    steps from that bar to the change."""
    first, meters = song.first_full_bar(), bar_meters(song)
    change = next((bar for bar in range(first + 1, len(meters)) if meters[bar] != meters[first]), len(meters))
    starts = song.bar_starts().tolist() + [song.end]
    return song.slice_bars(first, change), starts[change] - starts[first]


def join(primer: Primer, continuation: Song) -> Song:
    """The primer's notes, and `continuation` (written in the common key) moved back to the
    primer's key: its notes from the primer's last bar line on, and throughout in the tracks (parts)
    the primer does not play; with the primer's tempo and key. Where the continuation names its
    tracks (a model's parts), the piece keeps those names and each part's instrument, the primer's
    notes included (a melody harmonised by a string quartet is its first violin's line)."""
    after = continuation.transpose(-primer.shift).notes
    played = np.unique(primer.song.notes["track"])
    after = after[(after["onset"] >= primer.steps) | ~np.isin(after["track"], played)]
    given = primer.song.notes.copy()
    names = primer.song.track_names
    if continuation.track_names:
        names = continuation.track_names
        instruments = dict(zip(continuation.notes["track"].tolist(), continuation.notes["program"].tolist()))
        given["program"] = [instruments.get(track, program) for track, program in zip(given["track"].tolist(), given["program"].tolist())]
    notes = sort_notes(np.concatenate([given, after]))
    return replace(primer.song, notes=notes, key_signatures=primer.song.key_signatures[:1], track_names=names)

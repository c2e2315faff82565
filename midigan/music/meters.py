"""Which tunes of a folder train together: meters whose bars are the same length and group their
beats the same way.

Why pool: 4/4 and 2/2 (C and ¢ in print) write the same bar; a model of notes in bars cannot tell
them apart, and splitting a small folder between them throws half of it away. 3/4 and 6/8 also
last three quarter notes, but one bar is three beats and the other two dotted beats: their
tunes move differently, so they stay apart. A meter's grouping is written as the factors that
divide its bar, level by level, down to a 128th note: 4/4 and 2/2 are both 2x2x2x2x2x2x2, 3/4 is
3x2x2x2x2x2 and 6/8 is 2x3x2x2x2.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from math import prod

from midigan.song import Song, steps_per_bar

Meter = tuple[int, int]
_WHOLE = 128  # the finest level of the grouping: 128th notes


def tune_meter(song: Song) -> Meter | None:
    """The one meter a tune is in, ignoring a short pickup bar and a short final bar written as
    meters of their own; None when the meter really changes."""
    events = list(song.time_signatures)
    bar = [steps_per_bar(song.steps_per_beat, n, d) for _, n, d in events]
    if len(events) > 1 and events[1][0] - events[0][0] == bar[0] < bar[1]:
        events, bar = events[1:], bar[1:]
    if len(events) > 1 and song.end - events[-1][0] <= bar[-1] < bar[-2]:
        events = events[:-1]
    meters = {(n, d) for _, n, d in events}
    return meters.pop() if len(meters) == 1 else None


def meter_sections(song: Song, min_bars: int = 2) -> list[Song]:
    """The piece cut where its meter changes, each section with one meter throughout; sections
    shorter than `min_bars` are dropped (so is a pickup written as a meter of its own, in a piece
    whose meter changes later). A piece in one meter throughout is its own only section."""
    if tune_meter(song) is not None:
        return [song]
    meters = bar_meters(song)
    sections, first = [], 0
    for bar in range(1, len(meters) + 1):
        if bar == len(meters) or meters[bar] != meters[first]:
            if bar - first >= min_bars:
                sections.append(song.slice_bars(first, bar))
            first = bar
    return sections


def bar_meters(song: Song) -> list[Meter]:
    """The meter in force in each of the piece's bars (`Song.bar_starts`), where a piece whose
    meter changes is cut or read up to its change."""
    starts = song.bar_starts().tolist()
    return [(song.time_signatures[0][1], song.time_signatures[0][2])] + [
        next((n, d) for s, n, d in reversed(song.time_signatures) if s <= start) for start in starts[1:]]


def grouping(meter: Meter) -> tuple[int, ...]:
    """The factors that divide a bar of `meter`, from the bar down to 128th notes.

    Compound meters (6/8, 9/8, 12/8, 6/4: numerators divisible by 3, above 3) have dotted beats
    that split in three; simple meters have plain beats that split in two.
    """
    numerator, denominator = meter
    compound = numerator % 3 == 0 and numerator > 3
    beats = numerator // 3 if compound else numerator
    levels = _prime_factors(beats) + ([3] if compound else [])
    unit = _WHOLE // denominator if denominator <= _WHOLE else 1
    return tuple(levels + _prime_factors(unit))


def same_bars(a: Meter, b: Meter) -> bool:
    """Do tunes in meters `a` and `b` have equal bars with equal beat grouping?"""
    return grouping(a) == grouping(b)


def bars_per_bar(a: Meter, b: Meter) -> Fraction | None:
    """How many bars of `a` make one bar of `b` when one regroups the other (two 4/4 bars are a
    4/2 bar, two 6/8 bars a 12/8 bar, a 4/4 bar two 2/4 bars): the longer bar's grouping ends with
    the shorter one's. None when the beats group differently (3/4 against 4/4, 6/8 against 3/4).
    """
    ga, gb = grouping(a), grouping(b)
    if ga == gb:
        return Fraction(1)
    if len(gb) > len(ga) and gb[len(gb) - len(ga):] == ga:
        return Fraction(prod(gb[:len(gb) - len(ga)]))
    if len(ga) > len(gb) and ga[len(ga) - len(gb):] == gb:
        return Fraction(1, prod(ga[:len(ga) - len(gb)]))
    return None


def meter_text(meter: Meter) -> str:
    return f"{meter[0]}/{meter[1]}"


@dataclass
class MeterPool:
    """The tunes chosen for training: one group of interchangeable meters, and what was left out."""

    meter: Meter  # the meter the model writes (the pool's most common, or the one asked for)
    songs: list[Song]
    by_meter: dict[Meter, int]  # meter -> tunes of the pool in it
    left_out: dict[str, int] = field(default_factory=dict)  # reason -> tunes
    cut: int = 0  # of `songs`, the sections of tunes whose meter changes

    def describe(self) -> str:
        """'131 tunes in 4/4 (64 in 4/4 and 67 in 2/2: equal bars); left out: 10 in 3/4, ...'"""
        parts = " and ".join(f"{count} in {meter_text(meter)}" for meter, count in _by_count(self.by_meter))
        pooled = f" ({parts}: equal bars)" if len(self.by_meter) > 1 else ""
        cut = f" ({self.cut} of them sections of tunes whose meter changes)" if self.cut else ""
        left = ", ".join(f"{count} {reason}" for reason, count in sorted(self.left_out.items(), key=lambda item: -item[1]))
        return f"{len(self.songs)} tunes in {meter_text(self.meter)}{pooled}{cut}; left out: {left or 'none'}"


def pool_by_meter(songs: Iterable[Song], meter: Meter | None = None) -> MeterPool:
    """The tunes in `meter`'s pool (default: the pool holding the most tunes), a tune whose meter
    changes taken as its sections (`in_sections`).

    Raises ValueError when no tune keeps one meter for two bars, or none is in `meter`'s pool.
    """
    songs, was_cut, unsplit = in_sections(songs)
    meters = [tune_meter(song) for song in songs]
    pools = _pools(meters)
    if not pools:
        raise ValueError("no tune keeps one meter for two bars")
    if meter is None:
        chosen = pools[0]
        meter = chosen.most_common(1)[0][0]
    else:
        chosen = next((pool for pool in pools if grouping(next(iter(pool))) == grouping(meter)), Counter())
        if not chosen:
            raise ValueError(f"no tune is in {meter_text(meter)} or a meter with the same bars")
    kept = [found in chosen for found in meters]
    left_out: Counter = Counter({"without two bars in one meter": unsplit} if unsplit else {})
    for found, taken in zip(meters, kept):
        if not taken:
            left_out[f"in {meter_text(found)}"] += 1
    return MeterPool(tuple(meter), [song for song, taken in zip(songs, kept) if taken], dict(chosen), dict(left_out),
                     sum(cut and taken for cut, taken in zip(was_cut, kept)))


def in_sections(songs: Iterable[Song]) -> tuple[list[Song], list[bool], int]:
    """(every tune in one meter, a tune whose meter changes as its sections of two bars or more;
    which of them are such sections; how many tunes have none). Why: music21 writes the short bar
    before a repeat in a meter of its own, so 14 of the 1,028 tunes of Ryan's collection "changed
    meter" and were left out whole (docs/music.md promised sections)."""
    sections, was_cut, unsplit = [], [], 0
    for song in songs:
        found = meter_sections(song)
        sections.extend(found)
        was_cut.extend([not (len(found) == 1 and found[0] is song)] * len(found))
        unsplit += not found
    return sections, was_cut, unsplit


def pool_meters(songs: Iterable[Song]) -> list[Meter]:
    """The meter each pool of equal-bar meters is learnt in (its most common), the pool
    `pool_by_meter` chooses first, then the others from the most tunes to the fewest."""
    return [pool.most_common(1)[0][0] for pool in _pools([tune_meter(song) for song in in_sections(songs)[0]])]


def _pools(meters: list[Meter | None]) -> list[Counter]:
    """Tunes' meters grouped into pools of equal bars (meter -> tunes), the one holding the most
    tunes first (ties: the one whose most common meter holds more)."""
    pools: dict[tuple[int, ...], Counter] = {}
    for found, count in Counter(m for m in meters if m is not None).items():
        pools.setdefault(grouping(found), Counter())[found] = count
    return sorted(pools.values(), key=lambda pool: (sum(pool.values()), pool.most_common(1)[0][1]), reverse=True)


def _by_count(counts: dict[Meter, int]) -> list[tuple[Meter, int]]:
    return sorted(counts.items(), key=lambda item: -item[1])


def _prime_factors(n: int) -> list[int]:
    factors, divisor = [], 2
    while n > 1 and divisor * divisor <= n:
        while n % divisor == 0:
            factors.append(divisor)
            n //= divisor
        divisor += 1
    return factors + ([n] if n > 1 else [])

"""What a channel's values may be, learnt from the training series and kept in generated ones.

Why: sensor recordings mix continuous readings with channels whose values a Gaussian cannot
write. A light switch reads 0, 10, 20 or 30; a meter counts in steps of 10 Wh; a duplicated
column (the UCI Energy set's rv1 and rv2) equals another exactly; a volume is never negative.
A classifier tells generated series from real ones by any of these at once, whatever the rest
looks like. So each channel's form is read off the training values (a few levels, a grid, the
decimals values too spread for a grid were read in, such as a share volume's whole numbers or a
rainfall's tenths, a copy of an earlier channel, a floor at zero)
and imposed on what the generator writes, in the training units, after the scaling is undone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from midigan.frames import fewest_decimals

MAX_LEVELS = 32  # a channel of at most this many distinct values, each met LEVEL_REPEATS times on average, writes only those
LEVEL_REPEATS = 4
MAX_GRID_STEPS = 100_000  # a grid finer than this many steps across the range is not imposed
MAX_DECIMALS = 4  # values off a grid read in more decimals than this are a continuum (a sensor), written as computed
REPEAT_SHARE = 0.05  # a channel repeating its previous value this often gets a hold gate (`repeating_channels`)


@dataclass
class ChannelForms:
    levels: dict[int, list[float]] = field(default_factory=dict)  # channel -> its distinct training values
    grids: dict[int, tuple[float, float, int | None]] = field(default_factory=dict)  # channel -> (origin, step, decimals)
    copies: dict[int, int] = field(default_factory=dict)  # channel -> the earlier channel it equals
    non_negative: list[int] = field(default_factory=list)
    decimals: dict[int, int] = field(default_factory=dict)  # channel -> the decimals of values too spread for a grid (0: counts)

    @classmethod
    def fit(cls, series: list[np.ndarray]) -> ChannelForms:
        values = np.concatenate(series, axis=0)
        forms = cls()
        for channel in range(values.shape[1]):
            column = values[:, channel]
            observed = column[~np.isnan(column)]
            if not len(observed):
                continue
            original = next((earlier for earlier in range(channel) if _same(values[:, earlier], column)), None)
            if original is not None:
                forms.copies[channel] = original
                continue
            distinct = np.unique(observed)
            if len(distinct) <= MAX_LEVELS and len(observed) >= LEVEL_REPEATS * len(distinct):
                forms.levels[channel] = distinct.tolist()
            elif (grid := _grid(distinct)) is not None:
                forms.grids[channel] = grid
            elif (read_in := fewest_decimals(distinct, MAX_DECIMALS)) is not None:
                forms.decimals[channel] = read_in
            if distinct[0] >= 0:
                forms.non_negative.append(channel)
        return forms

    def apply(self, values: np.ndarray) -> np.ndarray:
        """`values` `(steps, channels)` in training units, each channel in its form (gaps stay gaps)."""
        values = values.copy()
        for channel in self.non_negative:
            values[:, channel] = np.maximum(values[:, channel], 0.0)
        for channel, levels in self.levels.items():
            values[:, channel] = _nearest(values[:, channel], np.asarray(levels))
        for channel, (origin, step, decimals) in self.grids.items():
            on_grid = origin + np.round((values[:, channel] - origin) / step) * step
            if channel in self.non_negative:  # rounding must not step below zero
                on_grid = np.maximum(on_grid, origin - np.floor(origin / step) * step)
            values[:, channel] = on_grid if decimals is None else np.round(on_grid, decimals)
        for channel, decimals in self.decimals.items():
            values[:, channel] = np.round(values[:, channel], decimals)
        for channel, original in self.copies.items():
            values[:, channel] = values[:, original]
        return values

    def describe(self, columns: list[str]) -> list[str]:
        """The training log's account of the forms found, one line each kind (none: no lines)."""
        lines = []
        if self.levels:
            lines.append("written on their training values: " + ", ".join(
                f"{columns[c]} ({len(v)} value{'s' * (len(v) != 1)})" for c, v in self.levels.items()))
        if self.grids:
            lines.append("written on their grid: " + ", ".join(f"{columns[c]} (steps of {s:g})" for c, (_, s, _) in self.grids.items()))
        whole = [columns[c] for c, d in self.decimals.items() if d == 0]
        if whole:
            lines.append("written as whole numbers: " + ", ".join(whole))
        if len(whole) < len(self.decimals):
            lines.append("written in the decimals they were read in: " + ", ".join(
                f"{columns[c]} ({d})" for c, d in self.decimals.items() if d))
        if self.copies:
            lines.append("copies of another channel: " + ", ".join(f"{columns[c]} = {columns[o]}" for c, o in self.copies.items()))
        return lines

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, stored: dict) -> ChannelForms:
        decimals = stored.get("decimals", {c: 0 for c in stored.get("whole", [])})  # runs from before: whole numbers or none
        return cls({int(c): v for c, v in stored["levels"].items()}, {int(c): (g[0], g[1], g[2]) for c, g in stored["grids"].items()},
                   {int(c): int(o) for c, o in stored["copies"].items()}, [int(c) for c in stored["non_negative"]],
                   {int(c): int(d) for c, d in decimals.items()})


def repeating_channels(series: list[np.ndarray], share: float = REPEAT_SHARE) -> tuple[int, ...]:
    """The channels whose observed value equals the observed value before it on at least `share` of
    the steps that have one: a switch holding its level, a sensor repeating its reading. The
    generator gives them a hold gate (`StepDistribution`), since a Gaussian step never repeats a value."""
    pairs = [(values[1:], values[:-1]) for values in series if len(values) > 1]
    if not pairs:
        return ()
    now, before = (np.concatenate(side, axis=0) for side in zip(*pairs, strict=True))
    comparable = ~np.isnan(now) & ~np.isnan(before)
    repeats = ((now == before) & comparable).sum(axis=0) / np.maximum(comparable.sum(axis=0), 1)
    return tuple(int(channel) for channel in np.flatnonzero(repeats >= share))


def _same(first: np.ndarray, second: np.ndarray) -> bool:
    """Equal at every step, gaps in the same places (the first thousand steps looked at first: most
    pairs differ there, and a long series has many pairs)."""
    if len(first) > 1000 and not _same(first[:1000], second[:1000]):
        return False
    gaps = np.isnan(first)
    return bool(np.array_equal(gaps, np.isnan(second)) and np.array_equal(first[~gaps], second[~gaps]))


def _grid(distinct: np.ndarray) -> tuple[float, float, int | None] | None:
    """(origin, step, decimals) when every value is origin + a whole number of steps, the step
    being the range over a whole number of the smallest gaps between values (to a part in a million
    of the range), else None; decimals: the fewest (up to 6) that write origin and step exactly, so
    that a price in cents comes back as 100.1, not 100.09999999999999 (None: no such number)."""
    if len(distinct) < 2:
        return None
    span = float(distinct[-1] - distinct[0])
    smallest = float(np.diff(distinct).min())
    if smallest <= 0 or span / smallest > MAX_GRID_STEPS:
        return None
    step = span / round(span / smallest)
    offsets = (distinct - distinct[0]) / step
    if np.abs(offsets - np.round(offsets)).max() * step > 1e-6 * span:
        return None
    origin = float(distinct[0])
    decimals = next((d for d in range(7) if abs(round(step, d) - step) <= 1e-9 * step
                     and abs(round(origin, d) - origin) <= 1e-9 * max(1.0, abs(origin))), None)
    return origin, (step if decimals is None else round(step, decimals)), decimals


def _nearest(values: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Each value moved to the nearest of the sorted `levels` (NaN stays NaN)."""
    if len(levels) == 1:
        return np.where(np.isnan(values), np.nan, levels[0])
    upper = np.clip(np.searchsorted(levels, values), 1, len(levels) - 1)
    below, above = levels[upper - 1], levels[upper]
    return np.where(np.isnan(values), np.nan, np.where(values - below <= above - values, below, above))

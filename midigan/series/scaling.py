"""Per-channel scaling, done before training and undone on every series the model writes.

Two kinds, both kept in float64 in the model's config, so `inverse(transform(x))` returns every
training value `x` to float64 rounding:
- `ChannelScaler` standardises (mean 0, standard deviation 1 per channel, gaps ignored): the
  generator emits a Gaussian per step, which fits standardised values, and channels in different
  units (prices next to volumes) weigh alike in its likelihood.
- `QuantileScaler` maps each channel through its training distribution to normal scores (a
  value's share of training values below it, as a standard normal quantile). Why: a meter's heavy
  tail, a reading clipped at a bound or a value that recurs (an atom) is shapeless to a Gaussian
  in standardised units, but in normal scores the Gaussian fits and the inverse map writes the
  tail, the bound and the atom back: an atom (a value held by at least `ATOM_SHARE` of the
  training values) holds a whole interval of scores; other values are points of a piecewise-linear
  map, so written values fall between training values, not on them. Beyond the training range
  the map goes on along a straight line, except past an atom at an end: that is a bound.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass
class ChannelScaler:
    center: np.ndarray  # (channels,) float64
    scale: np.ndarray  # (channels,) float64, never 0

    @classmethod
    def fit(cls, series: list[np.ndarray]) -> ChannelScaler:
        values = np.concatenate(series, axis=0)
        observed = ~np.isnan(values)
        if not observed.any(axis=0).all():
            empty = int(np.flatnonzero(~observed.any(axis=0))[0])
            raise ValueError(f"channel {empty} has no value at all")
        center = np.nanmean(values, axis=0)
        scale = np.nanstd(values, axis=0)
        scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
        return cls(center.astype(np.float64), scale.astype(np.float64))

    def transform(self, values: np.ndarray) -> np.ndarray:
        return (values - self.center) / self.scale

    def inverse(self, values: np.ndarray) -> np.ndarray:
        return np.asarray(values, dtype=np.float64) * self.scale + self.center

    def to_dict(self) -> dict[str, list[float]]:
        return {"center": self.center.tolist(), "scale": self.scale.tolist()}

    @classmethod
    def from_dict(cls, values: dict[str, list[float]]) -> ChannelScaler:
        return cls(np.array(values["center"], dtype=np.float64), np.array(values["scale"], dtype=np.float64))


KNOTS = 2000  # at most this many training values per channel mark its map
ATOM_SHARE = 0.01


@dataclass
class QuantileScaler:
    values: list[np.ndarray]  # per channel: the map's points, non-decreasing values (an atom's twice) ...
    scores: list[np.ndarray]  # ... and their increasing normal scores

    @classmethod
    def fit(cls, series: list[np.ndarray]) -> QuantileScaler:
        every = np.concatenate(series, axis=0)
        values, scores = [], []
        for channel in range(every.shape[1]):
            observed = np.sort(every[:, channel][~np.isnan(every[:, channel])])
            if not len(observed):
                raise ValueError(f"channel {channel} has no value at all")
            knots = np.unique(np.quantile(observed, np.linspace(0, 1, KNOTS), method="inverted_cdf"))
            below = np.searchsorted(observed, knots, side="left") / len(observed)
            not_above = np.searchsorted(observed, knots, side="right") / len(observed)
            atom = not_above - below >= ATOM_SHARE
            # an atom spans its share of scores; any other knot is a point in the middle of its share
            starts = np.where(atom, below, (below + not_above) / 2)
            ends = np.where(atom, not_above, (below + not_above) / 2)
            points = np.stack([starts, ends], axis=1)
            keep = np.stack([np.ones_like(atom), atom], axis=1).ravel()
            values.append(np.repeat(knots, 2)[keep])
            scores.append(_normal_score(points.ravel()[keep], len(observed)))
        return cls(values, scores)

    def transform(self, values: np.ndarray) -> np.ndarray:
        """An atom goes to the score of its middle share (whatever the number of training values);
        any other value along the map."""
        out = np.empty(values.shape, dtype=np.float64)
        for channel, (x, z) in enumerate(zip(self.values, self.scores, strict=True)):
            column = values[..., channel]
            mapped = _interp(column, x, z)
            first = np.clip(np.searchsorted(x, column, side="left"), 0, len(x) - 2) if len(x) > 1 else None
            if first is not None:
                atom = (x[first] == column) & (x[first + 1] == column)
                middle = (_share(z[first]) + _share(z[first + 1])) / 2  # the score of the atom's middle share
                mapped = np.where(atom, _quantile(middle), mapped)
            out[..., channel] = mapped
        return out

    def inverse(self, values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=np.float64)
        out = np.empty(values.shape, dtype=np.float64)
        for channel, (x, z) in enumerate(zip(self.values, self.scores, strict=True)):
            written = _interp(values[..., channel], z, x)
            if len(x) > 1 and x[0] == x[1]:  # an atom at an end is a bound (a reading clipped there)
                written = np.maximum(written, x[0])
            if len(x) > 1 and x[-1] == x[-2]:
                written = np.minimum(written, x[-1])
            out[..., channel] = written
        return out

    def to_dict(self) -> dict[str, object]:
        return {"kind": "quantile", "values": [v.tolist() for v in self.values], "scores": [v.tolist() for v in self.scores]}

    @classmethod
    def from_dict(cls, stored: dict) -> QuantileScaler:
        return cls([np.array(v, dtype=np.float64) for v in stored["values"]],
                   [np.array(v, dtype=np.float64) for v in stored["scores"]])


SCALERS = {"standard": ChannelScaler, "quantile": QuantileScaler}


def scaler_from_dict(stored: dict) -> ChannelScaler | QuantileScaler:
    """The scaler a model's config holds (configs from before the quantile kind hold a standard one)."""
    return SCALERS[stored.get("kind", "standard")].from_dict(stored)


def _normal_score(share: np.ndarray, count: int) -> np.ndarray:
    """The standard normal quantile of `share`, kept half a value from 0 and 1."""
    return _quantile(np.clip(share, 0.5 / count, 1 - 0.5 / count))


def _quantile(share: np.ndarray) -> np.ndarray:
    return torch.special.ndtri(torch.from_numpy(np.asarray(share, dtype=np.float64))).numpy()


def _share(score: np.ndarray) -> np.ndarray:
    return torch.special.ndtr(torch.from_numpy(np.asarray(score, dtype=np.float64))).numpy()


def _interp(points: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Piecewise-linear y(x) through (xs, ys) and, beyond the ends, along the line through the
    first and last points, so that a map and its inverse stay each other's inverse everywhere
    (a value outside the training range comes back). NaN stays NaN."""
    if xs[-1] == xs[0]:  # a channel of one value, read forwards: any other value is below it
        return np.where(np.isnan(points), np.nan, ys[0])
    slope = (ys[-1] - ys[0]) / (xs[-1] - xs[0])
    out = np.where(points < xs[0], ys[0] + (points - xs[0]) * slope,
                   np.where(points > xs[-1], ys[-1] + (points - xs[-1]) * slope, np.interp(points, xs, ys)))
    return np.where(np.isnan(points), np.nan, out)

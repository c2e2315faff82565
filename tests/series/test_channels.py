"""Channel forms: values a Gaussian cannot write (levels, a grid, a copy, a floor) come back as read."""

from __future__ import annotations

import json

import numpy as np

from midigan.frames import number_text
from midigan.series import SeriesGAN
from midigan.series.channels import ChannelForms, repeating_channels
from midigan.series.reading import read_series

from .helpers import DATA


def sensor_like(steps: int, seed: int) -> np.ndarray:
    """Columns: a light switch (0-30 by 10), a meter in steps of 10 Wh, a temperature that goes
    below zero, a non-negative reading, and a copy of the meter."""
    rng = np.random.default_rng(seed)
    lights = 10 * rng.integers(0, 4, steps)
    meter = 10 * rng.integers(1, 200, steps)
    temperature = rng.normal(2, 5, steps)
    wind = np.abs(rng.normal(3, 2, steps))
    return np.stack([lights, meter, temperature, wind, meter], axis=1).astype(float)


def test_forms_are_read_off_the_training_values() -> None:
    forms = ChannelForms.fit([sensor_like(500, 0), sensor_like(300, 1)])
    assert forms.levels == {0: [0.0, 10.0, 20.0, 30.0]}
    assert forms.grids[1][1] == 10.0 and forms.grids[1][0] % 10 == 0
    assert forms.copies == {4: 1}
    assert forms.non_negative == [0, 1, 3]  # the temperature goes below zero; the copy follows its original


def test_written_values_take_each_channel_s_form_and_gaps_stay() -> None:
    forms = ChannelForms.fit([sensor_like(500, 0)])
    written = sensor_like(200, 2) + np.random.default_rng(3).normal(0, 4, (200, 5))
    written[5:9, 1] = np.nan
    shaped = forms.apply(written)
    assert set(np.unique(shaped[:, 0])) <= {0.0, 10.0, 20.0, 30.0}
    meter = shaped[:, 1][~np.isnan(shaped[:, 1])]
    np.testing.assert_allclose(meter % 10, 0, atol=1e-9)
    assert np.isnan(shaped[5:9, 1]).all() and np.isnan(shaped[5:9, 4]).all()
    np.testing.assert_array_equal(shaped[:, 4], shaped[:, 1])
    assert (shaped[:, 3] >= 0).all() and (shaped[:, 2] < 0).any()
    np.testing.assert_array_equal(shaped[:, 2], written[:, 2])  # a continuous reading is left as written


def test_continuous_recordings_have_no_forms_to_impose() -> None:
    motions = read_series(DATA / "BasicMotions").series
    forms = ChannelForms.fit(motions)
    assert not forms.levels and not forms.grids and not forms.copies


def test_whole_numbers_too_many_for_a_grid_are_written_as_whole_numbers(tmp_path) -> None:
    """A share volume (whole numbers over a range of millions) came back as 1905161.0795, a year as 1994.0."""
    from midigan.series.writing import write_long_csv

    rng = np.random.default_rng(0)
    volume, level = rng.integers(10**5, 10**8, 2000).astype(float), rng.normal(size=2000)
    forms = ChannelForms.fit([np.stack([volume, level], axis=1)])
    assert forms.decimals == {0: 0} and not forms.grids and not forms.levels
    written = np.stack([volume + rng.normal(0, 1e4, 2000), level], axis=1)
    shaped = forms.apply(written)
    assert np.array_equal(shaped[:, 0], np.round(shaped[:, 0])) and np.array_equal(shaped[:, 1], level)
    before = {key: value for key, value in forms.to_dict().items() if key != "decimals"}
    assert ChannelForms.from_dict(before).decimals == {}  # runs from before the whole-number form
    assert ChannelForms.from_dict({**before, "whole": [0]}).decimals == {0: 0}  # runs from before the decimals
    write_long_csv([np.array([[1994.0, 2.5], [1995.0, np.nan]])], ["year", "rate"], tmp_path / "out.csv")
    assert (tmp_path / "out.csv").read_text().splitlines() == ["id,year,rate", "1,1994,2.5", "1,1995,"]


def test_forms_survive_the_model_config() -> None:
    stocks = read_series(DATA / "stocks_head.csv")
    forms = ChannelForms.fit(stocks.series)
    assert forms.copies == {stocks.columns.index("Adj_Close"): stocks.columns.index("Close")}
    assert ChannelForms.from_dict(json.loads(json.dumps(forms.to_dict()))) == forms


def test_a_grid_comes_back_in_its_decimals_and_never_below_zero() -> None:
    cents = np.round(np.random.default_rng(4).uniform(50, 150, 3000), 2)[:, None]
    forms = ChannelForms.fit([cents])
    assert forms.grids[0][1:] == (0.01, 2)
    assert forms.apply(np.array([[100.09999999]]))[0, 0] == 100.1
    offset = ChannelForms.fit([np.arange(41.0)[:, None] + 0.6])  # 0.6, 1.6, ...: never negative
    assert offset.apply(np.array([[0.0], [-3.0]])).ravel().tolist() == [0.6, 0.6]


def test_values_too_spread_for_a_grid_come_back_in_the_decimals_they_were_read_in() -> None:
    """Tenths too spread for a grid (rainfall, investment) were written as 7.15647065312338."""
    prices = read_series(DATA / "stocks_head.csv")
    volume, close = prices.columns.index("Volume"), prices.columns.index("Close")
    read = prices.series[0][:, [volume, close]] / [1000, 1]  # volume in thousands of shares: 44994.5, 23005.8, ...
    forms = ChannelForms.fit([read])
    written = forms.apply(read + np.random.default_rng(0).normal(0, 3, read.shape))
    assert all(len(number_text(value).partition(".")[2]) <= 1 for value in written[:, 0])  # as the CSV gets it
    assert forms.decimals == {0: 1} and not forms.grids and not forms.levels  # Close, in six decimals, is a continuum
    assert np.abs(written[:, 0] - read[:, 0]).max() > 1 and not np.array_equal(written[:, 1], np.round(written[:, 1], 6))


def sticky_reading(steps: int, seed: int, change: float = 0.2) -> np.ndarray:
    """Columns: a reading that changes on a fifth of the steps (a sensor repeating its last value; a
    continuum of values, so no levels or grid) and one that changes every step."""
    rng = np.random.default_rng(seed)
    moves = rng.normal(0, 1, steps) * (rng.random(steps) < change)
    return np.stack([20 + np.cumsum(moves), rng.normal(0, 1, steps)], axis=1)


def test_channels_that_repeat_their_values_are_found() -> None:
    assert repeating_channels([sticky_reading(2000, 0)]) == (0,)
    assert repeating_channels(read_series(DATA / "stocks_head.csv").series) == ()


def test_a_model_writes_the_repeats_of_a_channel_that_holds_and_none_of_one_that_does_not(tmp_path) -> None:
    """Without a hold gate a Gaussian step never repeats a value exactly (nor can the forms make it:
    the reading has no levels or grid); with one the generated reading repeats about as often as
    the training one, the gate surviving save and load."""
    model = SeriesGAN(max_minutes=None, max_steps=300, seed=0, eval_every=100).fit(sticky_reading(4000, 1))
    assert "may hold their last value: channel_0" in model.report
    model.save(tmp_path / "model.pt")
    written = SeriesGAN.load(tmp_path / "model.pt").sample(300, seed=1)
    repeats = (written[:, 1:] == written[:, :-1]).mean(axis=(0, 1))
    assert 0.65 < repeats[0] < 0.95 and repeats[1] == 0  # the training reading repeats on 80% of its steps


def test_tiny_and_huge_values_are_not_taken_for_whole_numbers() -> None:
    """A current of 3e-7 A was 'whole' (all written as 0), as were sums of 1e12 with cents: the tolerance was 1e-6 absolute."""
    from midigan.frames import fewest_decimals

    rng = np.random.default_rng(3)
    current = rng.uniform(2.9e-7, 3.5e-7, 500)
    assert fewest_decimals(current, 8) is None and fewest_decimals(np.round(current, 8), 8) == 8
    assert fewest_decimals(np.array([3e-7, 1e-7]), 8) == 7
    huge = np.round(rng.uniform(1e12, 2e12, 500), 2)
    assert fewest_decimals(huge, 4) == 2 and fewest_decimals(np.round(huge), 4) == 0
    assert fewest_decimals(np.array([0.1 + 0.2, 44994.5]), 4) == 1  # a sum's last-place error is no decimal
    forms = ChannelForms.fit([np.stack([current, current * 1e7], axis=1)])
    assert 0 not in forms.decimals and 0 not in forms.grids and 0 not in forms.levels
    assert np.array_equal(forms.apply(current[:, None].repeat(2, axis=1))[:, 0], current)  # written as computed, not as 0

"""Windows never cross the held-out boundary; scaling is undone exactly; packing keeps lengths and gaps."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from midigan.series.model import SeriesFamily
from midigan.series.plan import plan_training, stored_model
from midigan.series.reading import read_array, read_series
from midigan.series.scaling import ChannelScaler, QuantileScaler, scaler_from_dict
from midigan.series.windows import cut_windows, pack, time_split, unpack
from midigan.series.writing import write_series

from .helpers import DATA


def test_windows_of_a_time_split_never_cross_the_boundary():
    steps = np.arange(1000, dtype=float)[:, None]  # each value is its own step number
    heads, tails = time_split([steps], 0.2)
    training, held_out = cut_windows(heads, 24), cut_windows(tails, 24)
    assert max(w.max() for w in training) == 799 and min(w.min() for w in held_out) == 800
    assert len(training) == 800 - 23 and len(held_out) == 200 - 23
    assert all(len(w) == 24 and np.all(np.diff(w[:, 0]) == 1) for w in training + held_out)


def test_training_plan_holds_out_the_last_tenth_of_a_long_series():
    steps = np.stack([np.arange(500.0), np.sin(np.arange(500.0))], axis=1)
    plan = plan_training(read_array(steps), seed=0)
    scaled = plan.data[..., :2].double().numpy()
    trained_steps = plan.family.scaler.inverse(scaled)[..., 0]
    assert np.round(trained_steps.max()) == 449 and plan.data.shape == (450 - 23, 24, 5)
    assert plan.validation is not None
    assert plan.report[0].startswith("training on 427 windows of 24 steps;")
    short = plan_training(read_array(steps[:20]), length=100, seed=0)  # 18 training steps: one window of its own length
    assert short.data.shape[:2] == (1, 18)
    assert short.report[0].startswith("training on 1 window of 18 steps (the training series are shorter than the 100 asked for)")


@pytest.mark.parametrize("kind", [ChannelScaler, QuantileScaler])
def test_scaling_is_undone_exactly_and_keeps_gaps(kind):
    series = read_series(DATA / "stocks_head.csv").series
    series[0][3, 2] = np.nan
    scaler = kind.fit([series[0][:200]])
    for values in (series[0], series[0] * 1.5):  # training values, and new ones beyond the training range
        back = scaler.inverse(scaler.transform(values))
        np.testing.assert_allclose(back, values, rtol=1e-12, atol=0)
        assert np.isnan(back[3, 2])
    again = scaler_from_dict(scaler.to_dict())
    np.testing.assert_array_equal(again.inverse(scaler.transform(series[0])), scaler.inverse(scaler.transform(series[0])))


def test_quantile_scaling_gives_normal_scores_and_writes_atoms_and_tails_back():
    rng = np.random.default_rng(0)
    meter = np.exp(rng.normal(0, 1, 5000))  # heavy-tailed
    clipped = np.clip(rng.normal(40, 12, 5000), 20, 66)  # an atom at each bound
    scaler = QuantileScaler.fit([np.stack([meter, clipped], axis=1)])
    scores = scaler.transform(np.stack([meter, clipped], axis=1))
    assert abs(scores[:, 0].mean()) < 0.01 and abs(scores[:, 0].std() - 1) < 0.01
    written = scaler.inverse(rng.standard_normal((20000, 2)))
    assert abs((written[:, 1] == 66).mean() - (clipped == 66).mean()) < 0.005 and written[:, 1].min() == 20
    assert abs(np.quantile(written[:, 0], 0.99) / np.quantile(meter, 0.99) - 1) < 0.1
    assert np.isin(written[:, 0], meter).mean() < 0.01  # between training values, not on them


def test_generated_values_reach_the_files_in_original_units_exactly(tmp_path):
    plan = plan_training(read_series(DATA / "BasicMotions"), seed=0)
    family = plan.family
    fake = torch.randn(3, 100, 2 * family.channels + 1)
    fake[..., family.channels:] = 1.0
    expected = [family.scaler.inverse(values.double().numpy()) for values in fake[..., :family.channels]]
    written = family.to_original_units(fake)
    assert all(np.array_equal(a, b) for a, b in zip(written, expected, strict=True))
    write_series(written, family.columns, tmp_path / "out.csv")
    read_back = read_series(tmp_path / "out.csv", id_column="id").series
    assert all(np.array_equal(a, b) for a, b in zip(read_back, expected, strict=True))


def test_pack_and_unpack_keep_lengths_and_gaps():
    series = [np.ones((5, 2)), np.full((3, 2), 2.0)]
    series[1][1, 0] = np.nan
    packed = pack(series)
    assert packed.shape == (2, 5, 5)
    assert packed[1, 3:, -1].sum() == 0 and packed[1, 1, 2] == 0  # padding, and the gap's observed flag
    back = unpack(packed, 2)
    assert [len(values) for values in back] == [5, 3]
    assert np.isnan(back[1][1, 0]) and np.nansum(back[1]) == 10.0


def test_scaling_follows_the_channel_count_and_a_resumed_run_plans_as_it_was_trained():
    motions = read_series(DATA / "BasicMotions")
    few = plan_training(motions, seed=0).family.config()
    assert "kind" not in few["scaler"] and not few["autoregression"] and "change_scale" not in few  # 6 channels: standardised
    many = read_array(np.concatenate([np.stack(motions.series[:20])] * 3, axis=2))  # 18 channels
    planned = plan_training(many, seed=0).family.config()
    assert many.channels == 18 and planned["rank"] == 8 and planned["autoregression"]
    new = plan_training(motions, seed=0, scaling="quantile", rank=3, autoregression=True, changes=True).family.config()
    assert new["scaler"]["kind"] == "quantile" and new["rank"] == 3 and "forms" in new and new["autoregression"]
    assert len(new["change_scale"]) == 6 and all(scale > 0 for scale in new["change_scale"])
    old = {key: value for key, value in new.items() if key not in ("forms", "autoregression", "change_scale")}
    old.update(scaler={"center": [0.0] * 6, "scale": [1.0] * 6}, rank=0)
    again = plan_training(motions, seed=0, **stored_model(old)).family.config()
    assert "kind" not in again["scaler"] and again["rank"] == 0 and "forms" not in again and not again["autoregression"]
    assert "change_scale" not in again and SeriesFamily.from_config(old).build_generator().gru.input_size == 2 * 6 + 1 + 16

"""The evaluation figures tell what they claim to tell, on real and simulated series."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from midigan.series.baseline import VectorAutoregression
from midigan.series.evaluation import CEILING, Settings, centred, evaluate_sets
from midigan.series.metrics import (
    MinMax,
    autocorrelation_difference,
    autocorrelations,
    correlations,
    discriminative_score,
    discriminative_scores,
    fill_gaps,
    nearest_distance_ratio,
    predictive_score,
    predictive_scores,
)
from midigan.series.sines import sine_data

from .helpers import DATA


def prepared(*sets):
    scaler = MinMax([values for part in sets for values in part])
    return [scaler.prepare(list(part)) for part in sets]


@pytest.mark.slow
def test_discriminative_score_tells_shifted_sines_from_sines_but_not_sines_from_sines():
    real, same, shifted = prepared(sine_data(200, seed=1), sine_data(200, seed=2), sine_data(200, seed=3) * 0.4)
    (alike, _), (apart, _) = discriminative_scores(real, [same, shifted], steps=250, repeats=1)
    assert alike < 0.1 and apart > 0.3
    assert discriminative_score(real, shifted, steps=250, repeats=1)[0] == apart  # runs side by side are runs alone


def test_discriminative_score_gives_nothing_for_sides_of_different_sizes():
    # held-out windows can be half as many as the real side: saying "real" to every window must not score
    real, fewer = prepared(sine_data(1000, seed=1), sine_data(100, seed=2))
    assert discriminative_score(real, fewer, steps=50, repeats=5)[0] < 0.08  # plain accuracy: 0.22


@pytest.mark.slow
def test_predictive_score_is_lower_when_trained_on_like_series():
    noise = np.random.default_rng(0).uniform(size=(200, 24, 5))
    real, same, noise = prepared(sine_data(200, seed=1), sine_data(200, seed=2), noise)
    like, unlike = predictive_scores(real, [same, noise], steps=150)
    assert like < unlike - 0.02
    assert predictive_score(real, same, steps=150) == like


def test_autocorrelations_of_sines_and_of_white_noise():
    sines, noise = prepared(sine_data(100, seed=1), np.random.default_rng(0).normal(size=(100, 24, 5)))
    assert autocorrelations(noise)[0].mean() < 0.0 < autocorrelations(sines)[0].mean()
    assert autocorrelation_difference(sines, sines) == 0.0
    assert autocorrelation_difference(sines, noise) > 0.3


def test_nearest_distance_ratio_exposes_copies():
    training, held_out, fresh = prepared(sine_data(400, seed=1), sine_data(100, seed=2), sine_data(100, seed=3))
    copies, = prepared(sine_data(400, seed=1)[:100] + 1e-4)
    assert nearest_distance_ratio(copies, held_out, training) < 0.1
    assert 0.7 < nearest_distance_ratio(fresh, held_out, training) < 1.4


def test_gaps_are_filled_with_the_last_observed_value():
    values = np.array([[np.nan, 1.0], [2.0, np.nan], [np.nan, np.nan], [5.0, 3.0]])
    np.testing.assert_array_equal(fill_gaps(values), [[2, 1], [2, 1], [2, 1], [5, 3]])


def test_var2_recovers_its_coefficients_and_samples_in_units():
    rng = np.random.default_rng(0)
    x = np.zeros((3000, 1))
    for t in range(2, 3000):
        x[t] = 0.6 * x[t - 1] - 0.3 * x[t - 2] + rng.normal()
    var = VectorAutoregression().fit([x * 10 + 100])
    assert np.allclose(var.coefficients[1:, 0], [0.6, -0.3], atol=0.05)
    sample = var.sample(5, length=50)
    assert all(values.shape == (50, 1) for values in sample)
    assert abs(np.mean(sample) - 100) < 10


@pytest.mark.slow
def test_centred_view_judges_shape_not_level():
    training, held_out = list(sine_data(150, seed=1)), list(sine_data(150, seed=2) + 5.0)  # the held-out era at another level
    settings = Settings(repeats=1, discriminative_steps=300, predictive_steps=5)
    plain = evaluate_sets({}, held_out, training, settings, baseline=False)
    level_free = evaluate_sets({}, held_out, training, settings, baseline=False, view=centred)
    assert plain[CEILING]["discriminative"] > 0.4 and level_free[CEILING]["discriminative"] < 0.1


def test_a_constant_channel_correlates_with_nothing_and_warns_nothing():
    prices = pd.read_csv(DATA / "stocks_head.csv")[["Open", "Close"]].to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        found = correlations(np.column_stack([prices, np.full(len(prices), 3.0)]))
    np.testing.assert_allclose(found[:2, :2], np.corrcoef(prices.T))
    np.testing.assert_array_equal(found[2], [0, 0, 0])
    np.testing.assert_array_equal(found[:, 2], [0, 0, 0])


def test_the_nearest_ratio_reads_every_generated_series_not_a_draw_as_many_as_the_held_out():
    """A set of 200 generated series was cut to the 48 held-out ones for the nearest ratio too, whose
    median then moved by a quarter from draw to draw; half of these copy training series, so a draw
    of 10 could fall on either side of the median."""
    training, held_out, fresh = (list(sine_data(count, seed=seed)) for count, seed in ((300, 1), (10, 2), (200, 3)))
    candidate = [*fresh[:99], *[values + 1e-4 for values in training[:101]]]  # 101 of 200 near copies: the median is a copy
    settings = Settings(repeats=1, discriminative_steps=5, predictive_steps=5)
    figures = evaluate_sets({"set": candidate}, held_out, training, settings, baseline=False, ceiling=False)
    scaler = MinMax(held_out + training)
    every = nearest_distance_ratio(*(scaler.prepare(part) for part in (candidate, held_out, training)))
    assert every < 0.1 and figures["set"]["nearest ratio"] == pytest.approx(every)

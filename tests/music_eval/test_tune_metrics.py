"""Each per-tune metric on tunes whose value can be worked out by hand, then on real music."""

from __future__ import annotations

import math

import numpy as np
import pytest
from support import BACH, FOLK, make_song, quarters

from midigan.metrics import tune as m
from midigan.midi import read

C_MAJOR_UP = quarters([60, 62, 64, 65, 67, 69, 71, 72])  # two 4/4 bars of quarter notes


def test_scale_run_scores_as_worked_out_by_hand():
    song = make_song(C_MAJOR_UP)
    assert m.scale_consistency(song) == 1.0
    assert m.pitch_range(song) == 12
    counts = np.array([2, 1, 1, 1, 1, 1, 1]) / 8  # C twice, the other six once
    assert m.pitch_class_entropy(song) == pytest.approx(-(counts * np.log2(counts)).sum())
    assert m.on_beat_share(song) == 1.0
    assert m.notes_per_bar(song) == 4
    assert m.pitch_classes_per_bar(song) == 4
    assert m.mean_interval(song) == pytest.approx(12 / 7)
    assert m.qualified_note_rate(song) == 1.0
    assert m.empty_bar_rate(song) == 0.0
    assert m.rest_share(song) == 0.0
    assert m.groove_consistency(song) == 1.0
    assert m.bar_repetition(song) == 0.0


def test_chromatic_notes_fall_outside_every_scale():
    song = make_song(quarters(list(range(60, 72))))
    assert m.scale_consistency(song) == pytest.approx(7 / 12)
    assert m.pitch_class_entropy(song) == pytest.approx(math.log2(12))


def test_empty_bar_counts_only_bars_where_nothing_sounds():
    gap = make_song([(60, 0, 12), (62, 96, 12)])  # bar 1 (steps 48..95) silent
    assert m.empty_bar_rate(gap) == pytest.approx(1 / 3)
    held = make_song([(60, 0, 96), (62, 96, 12)])  # first note rings through bar 1
    assert m.empty_bar_rate(held) == 0.0


def test_short_notes_do_not_qualify():
    song = make_song([(60, 0, 1), (62, 1, 2), (64, 3, 3)])  # 1/48, 1/24 and a 16th (3 of 12 steps)
    assert m.qualified_note_rate(song) == pytest.approx(1 / 3)


def test_offbeat_eighths_halve_the_on_beat_share_and_break_the_groove():
    straight = quarters([60, 62, 64, 65])
    eighths = [(67, 48 + 6 * i, 6) for i in range(8)]
    song = make_song(straight + eighths)
    assert m.on_beat_share(song) == pytest.approx((4 + 4) / 12)
    # patterns differ at the 4 off-beat eighths out of 48 steps
    assert m.groove_consistency(song) == pytest.approx(1 - 4 / 48)


def test_repeated_bars_and_rests():
    a = quarters([60, 62, 64, 65])
    song = make_song(a + quarters([60, 62, 64, 65], start=48) + quarters([67, 65, 64, 62], start=96)
                     + quarters([60, 62, 64, 65], start=144))  # A A B A
    assert m.bar_repetition(song) == pytest.approx(2 / 4)
    half_rest = make_song([(60, 0, 24), (62, 48, 48)])
    assert m.rest_share(half_rest) == pytest.approx(24 / 96)


def test_a_tune_without_notes_gives_finite_features():
    features = m.tune_features(make_song([]))
    assert features.shape == (len(m.METRICS),)
    assert np.isfinite(features).all()
    assert features[list(m.METRICS).index("empty_bar_rate")] == 1.0


def test_real_folk_tunes_are_tonal_and_bach_is_wider_than_folk():
    folk = [m.tune_metrics(read(path)) for path in sorted(FOLK.glob("*.mid"))]
    bach = [m.tune_metrics(read(path)) for path in sorted(BACH.glob("*.mid"))]
    assert np.mean([t["scale_consistency"] for t in folk]) > 0.95
    assert np.mean([t["qualified_note_rate"] for t in folk]) > 0.95
    assert all(0 < t["pitch_class_entropy"] <= math.log2(12) for t in folk + bach)
    # four voices span far more than a sung melody
    assert min(t["pitch_range"] for t in bach) > max(np.median([t["pitch_range"] for t in folk]), 12)
    assert min(t["pitch_classes_per_bar"] for t in bach) > np.mean([t["pitch_classes_per_bar"] for t in folk])

"""Markov-chain baselines: learned transitions, backoff, and tunes of exactly the asked length."""

from __future__ import annotations

import numpy as np
import pytest
from support import FOLK, make_song

from midigan.metrics.markov import REST_PITCH, MarkovMelody, melody_tokens
from midigan.midi import read


def test_tokens_carry_rests_between_notes():
    song = make_song([(60, 0, 12), (62, 24, 6), (64, 30, 18)])
    assert melody_tokens(song) == [(60, 12), (REST_PITCH, 12), (62, 6), (64, 18)]


@pytest.mark.parametrize("order", [1, 3])
def test_a_chain_of_one_tune_with_unique_tokens_replays_it(order):
    tune = make_song([(60 + i, 12 * i, 12) for i in range(8)])  # every token occurs once
    chain = MarkovMelody(order).fit([tune])
    song = chain.generate(2, (4, 4), np.random.default_rng(0))
    assert song.notes[["pitch", "onset", "duration"]].tolist() == tune.notes[["pitch", "onset", "duration"]].tolist()


def test_unseen_context_backs_off_instead_of_stopping():
    tune = make_song([(60 + i, 12 * i, 12) for i in range(4)])  # one bar; its last context has no successor
    song = MarkovMelody(3).fit([tune]).generate(4, (4, 4), np.random.default_rng(0))
    assert song.n_bars == 4 and song.end == 4 * 48


def test_folk_chain_makes_tunes_of_exact_bars_from_learned_pitches():
    training = [read(path) for path in sorted(FOLK.glob("*.mid"))]
    learned = {int(p) for song in training for p in song.melody().notes["pitch"]}
    rng = np.random.default_rng(1)
    for order in (1, 3):
        chain = MarkovMelody(order).fit(training)
        for _ in range(5):
            song = chain.generate(16, (3, 4), rng)
            assert song.time_signatures == [(0, 3, 4)]
            assert song.end == 16 * 36 and song.n_bars == 16
            assert set(song.notes["pitch"].tolist()) <= learned
            # monophonic: every note ends before the next starts
            assert (song.notes["onset"][:-1] + song.notes["duration"][:-1] <= song.notes["onset"][1:]).all()


def test_order_must_be_positive_and_chain_fitted():
    with pytest.raises(ValueError):
        MarkovMelody(0)
    with pytest.raises(ValueError, match="fit"):
        MarkovMelody(1).generate(4, (4, 4), np.random.default_rng(0))

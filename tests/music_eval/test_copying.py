"""Copy rate: 8-note phrases compared by intervals and durations, found verbatim or not."""

from __future__ import annotations

import numpy as np
from support import FOLK, make_song, quarters

from midigan.metrics import copy_rate, phrase_keys, phrase_set
from midigan.midi import read


def test_phrases_ignore_transposition_but_not_rhythm():
    tune = make_song(quarters([60, 62, 64, 65, 67, 65, 64, 62, 60, 59]))
    assert len(phrase_keys(tune)) == 3
    assert phrase_keys(tune.transpose(5)) == phrase_keys(tune)
    slower = make_song([(p, 2 * onset, 2 * d) for p, onset, d in tune.notes[["pitch", "onset", "duration"]].tolist()])
    assert not set(phrase_keys(slower)) & set(phrase_keys(tune))


def test_a_tune_copies_itself_and_a_random_walk_copies_nothing():
    training = [read(path) for path in sorted(FOLK.glob("*.mid"))[:20]]
    phrases = phrase_set(training)
    assert copy_rate([training[3].transpose(-2)], phrases) == 1.0
    rng = np.random.default_rng(0)
    wander = make_song(quarters((60 + np.cumsum(rng.integers(-7, 8, size=64))).clip(30, 100).tolist()))
    assert copy_rate([wander], phrases) == 0.0


def test_partly_copied_tune_scores_its_share_of_copied_phrases():
    original = read(sorted(FOLK.glob("*.mid"))[0]).melody()
    borrowed = [(int(n["pitch"]), int(n["onset"]), int(n["duration"])) for n in original.notes[:8]]
    end = borrowed[-1][1] + borrowed[-1][2]
    # the copied 8 notes, then 8 notes at intervals of 11 semitones that no folk tune uses
    tune = make_song(borrowed + [(40 + 11 * (i % 2), end + 12 * i, 12) for i in range(8)])
    assert copy_rate([tune], phrase_set([original])) == 1 / 9  # 9 phrases, only the first copied

"""Bar-exact generation: any number of bars, in any meter, ending on the final bar line."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from midigan.music.keys import parse_key
from midigan.music.melody.encoding import REST_TOKEN, Vocabulary, fillable
from midigan.music.melody.model import MusicSeqFamily
from midigan.music.melody.sampler import sample_tokens

DURATIONS = (3, 4, 6, 8, 9, 12, 18, 24, 36, 48)


def _generator(meter: tuple[int, int], durations: tuple[int, ...] = DURATIONS):
    torch.manual_seed(0)
    vocabulary = Vocabulary(12, meter, 55, 84, durations)
    family = MusicSeqFamily(vocabulary, window=8, hidden=32, layers=1, embed=8)
    return vocabulary, family, family.build_generator().eval()


@pytest.mark.parametrize("meter", [(4, 4), (3, 4), (6, 8), (5, 4), (7, 8)])
@pytest.mark.parametrize("bars", [1, 3, 16])
def test_tunes_have_exactly_the_bars_asked_for(meter: tuple[int, int], bars: int) -> None:
    vocabulary, family, generator = _generator(meter)
    songs = family.generate(generator, bars, count=4, seed=bars)
    for song in songs:
        assert song.end == bars * vocabulary.bar_length
        assert song.n_bars == bars
        assert song.time_signatures == [(0, *meter)]


def test_rests_never_end_a_tune_or_cross_a_bar_line() -> None:
    vocabulary, _, generator = _generator((3, 4), durations=(6, 12, 24, 36))
    for pitches, durations in sample_tokens(generator, vocabulary, bars=8, count=20, seed=3):
        lengths = np.array(vocabulary.durations)[durations]
        onsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        rests = pitches == REST_TOKEN
        assert pitches[-1] != REST_TOKEN
        assert ((onsets[rests] % 36) + lengths[rests] <= 36).all()


def test_same_seed_same_tunes_and_key_moves_the_tonic() -> None:
    _, family, generator = _generator((4, 4))
    first = family.generate(generator, 4, count=2, seed=7)
    again = family.generate(generator, 4, count=2, seed=7, key="D")
    assert first[0].key_signatures[0][1] in ("C", "Am")
    shift = {"C": 2, "Am": 5}[first[0].key_signatures[0][1]]
    np.testing.assert_array_equal(again[0].notes["pitch"], first[0].notes["pitch"] + shift)
    assert again[0].key_signatures[0][1] == {"C": "D", "Am": "Dm"}[first[0].key_signatures[0][1]]


def test_unfillable_lengths_and_bad_keys_are_refused() -> None:
    assert fillable(Vocabulary(12, (4, 4), 60, 72, (12, 24)), 30)[24] and not fillable(Vocabulary(12, (4, 4), 60, 72, (12, 24)), 30)[30]
    vocabulary, _, generator = _generator((5, 8), durations=(12, 24))
    with pytest.raises(ValueError, match="cannot fill 1 bars"):
        sample_tokens(generator, vocabulary, 1, 1)
    assert parse_key("F#m") == 6 and parse_key("Bb") == 10
    with pytest.raises(ValueError, match="unknown key"):
        parse_key("H")

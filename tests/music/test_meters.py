"""Meters with equal bars and equal beat grouping train together; others stay apart."""

from __future__ import annotations

import numpy as np
import pytest

from midigan.music.melody.encoding import encode_songs
from midigan.music.meters import grouping, pool_by_meter, same_bars
from midigan.song import NOTE_DTYPE, Song


def tune(meter: tuple[int, int], bars: int = 8, name: str = "") -> Song:
    """A scale-like tune of quarter notes filling `bars` bars of `meter`."""
    bar = 12 * 4 * meter[0] // meter[1]
    n = bars * bar // 12
    notes = np.zeros(n, NOTE_DTYPE)
    notes["pitch"] = 60 + np.array([0, 2, 4, 5, 7, 5, 4, 2])[np.arange(n) % 8]
    notes["onset"], notes["duration"], notes["velocity"] = np.arange(n) * 12, 12, 80
    return Song(notes=notes, time_signatures=[(0, *meter)], source=name)


@pytest.mark.parametrize("a, b", [((4, 4), (2, 2)), ((2, 4), (4, 8)), ((3, 4), (3, 4)), ((6, 8), (6, 8))])
def test_equal_bars_with_equal_grouping_pool(a, b) -> None:
    assert same_bars(a, b)


@pytest.mark.parametrize("a, b", [((3, 4), (6, 8)), ((6, 4), (3, 2)), ((4, 4), (2, 4)), ((12, 8), (4, 4)), ((3, 8), (3, 4))])
def test_other_bar_lengths_or_groupings_stay_apart(a, b) -> None:
    assert not same_bars(a, b)


def test_grouping_reads_bars_top_down() -> None:
    assert grouping((3, 4)) == (3, 2, 2, 2, 2, 2)
    assert grouping((6, 8)) == (2, 3, 2, 2, 2, 2)


def test_the_largest_pool_wins_and_the_rest_is_counted() -> None:
    songs = [tune((4, 4))] * 3 + [tune((2, 2))] * 4 + [tune((3, 4))] * 5 + [tune((6, 8))] * 2
    pool = pool_by_meter(songs)
    assert pool.meter == (2, 2) and len(pool.songs) == 7
    assert pool.by_meter == {(4, 4): 3, (2, 2): 4}
    assert pool.left_out == {"in 3/4": 5, "in 6/8": 2}
    assert pool.describe() == "7 tunes in 2/2 (4 in 2/2 and 3 in 4/4: equal bars); left out: 5 in 3/4, 2 in 6/8"


def test_an_asked_meter_takes_its_pool_and_writes_in_that_meter() -> None:
    songs = [tune((4, 4))] * 3 + [tune((2, 2))] * 4 + [tune((3, 4))] * 5
    pool = pool_by_meter(songs, (4, 4))
    assert pool.meter == (4, 4) and len(pool.songs) == 7
    with pytest.raises(ValueError, match="no tune is in 6/8"):
        pool_by_meter(songs, (6, 8))


def test_pooled_tunes_become_training_windows_of_one_meter() -> None:
    songs = [tune((4, 4), name=f"a{i}") for i in range(3)] + [tune((2, 2), name=f"b{i}") for i in range(4)]
    songs += [tune((3, 4), name="c")]
    encoded = encode_songs(songs, window=16)
    assert encoded.n_tunes == 7 and encoded.vocabulary.bar_length == 48
    assert encoded.skipped == {"in 3/4": 1}


def test_a_pool_of_fragments_gives_way_to_the_next_pool_that_can_be_learnt() -> None:
    from midigan.music.melody.plan import plan_melody
    from midigan.music.planning import ModelSize

    fragments = [tune((4, 4), bars=2, name=f"motif{i}") for i in range(4)]  # 8 notes each: too short to learn from
    waltzes = [tune((3, 4), bars=24, name=f"waltz{i}") for i in range(3)]
    plan = plan_melody(fragments + waltzes, None, ModelSize())
    assert plan.family.vocabulary.meter == (3, 4)
    assert plan.report[0].startswith("no tune in 4/4 can be learnt (no usable tune: 4 shorter than 16 notes): learning the tunes in 3/4")
    assert plan.report[3].endswith("windows of 64 notes (none left out)")  # not "left out: none skipped"
    with pytest.raises(ValueError, match="no usable tune"):  # a meter asked for is kept to
        plan_melody(fragments + waltzes, (4, 4), ModelSize())


def test_a_tune_whose_meter_changes_is_learnt_from_its_sections() -> None:
    """music21 writes the short bar before a repeat in a meter of its own (a 2/4 bar in a reel in
    4/4): such tunes were left out whole, and a folder of them could not be trained on at all."""
    bar, notes = 48, tune((4, 4), bars=9).notes
    notes = notes[notes["onset"] < 8 * bar + bar // 2]  # 4 bars, half a bar, 4 bars
    with_short_bar = Song(notes=notes, time_signatures=[(0, 4, 4), (4 * bar, 2, 4), (4 * bar + bar // 2, 4, 4)], source="reel")
    pool = pool_by_meter([with_short_bar, tune((4, 4), name="plain")])
    assert [len(song.bar_starts()) for song in pool.songs] == [4, 4, 8]  # 4 bars, the short bar dropped, 4 bars; the plain tune
    assert pool.cut == 2 and pool.left_out == {}
    assert pool.describe() == "3 tunes in 4/4 (2 of them sections of tunes whose meter changes); left out: none"
    assert len(encode_songs([with_short_bar], window=16).windows) == 4


def test_the_sections_of_one_tune_stay_on_one_side_of_the_held_out_split() -> None:
    """Cut where its meter changes, a reel's A and B parts shared no phrase, so validation could hold
    one part of a tune and train on the other."""
    from midigan.music.holdout import split_by_tune

    bar, reels = 48, []
    for index in range(40):
        notes = tune((4, 4), bars=9).notes
        notes = notes[notes["onset"] < 8 * bar + bar // 2].copy()
        notes["pitch"] = 60 + np.random.default_rng(index).integers(0, 12, len(notes))  # each reel its own phrases
        signatures = [(0, 4, 4), (4 * bar, 2, 4), (4 * bar + bar // 2, 4, 4)]
        reels.append(Song(notes=notes, time_signatures=signatures, source=f"reel{index}.mid"))
    train, held = split_by_tune(pool_by_meter(reels).songs)
    assert held and not {song.source for song in train} & {song.source for song in held}

"""Songs to note tokens and back, on the real folk tunes in data/midi/folk."""

from __future__ import annotations

import numpy as np
import pytest
from support import FOLK, SHARED_DATA

from midigan.dataset import prepare
from midigan.midi import read
from midigan.music.errors import EncodingError
from midigan.music.keys import COMMON_KEYS, estimate_key, shift_to_common_key
from midigan.music.melody.encoding import (
    REST_TOKEN,
    Events,
    Vocabulary,
    build_vocabulary,
    decode,
    encode_songs,
    melody_events,
    tokens,
    within_vocabulary,
)
from midigan.music.meters import pool_by_meter, tune_meter
from midigan.song import NOTE_DTYPE, Song


@pytest.fixture(scope="module")
def folk_songs() -> list[Song]:
    return [read(path) for path in sorted(FOLK.glob("*.mid"))]


def _scale(pitches: list[int], length: int = 12) -> np.ndarray:
    notes = np.zeros(len(pitches), NOTE_DTYPE)
    notes["pitch"], notes["onset"], notes["duration"] = pitches, np.arange(len(pitches)) * length, length
    return notes


def test_round_trip_gives_the_melody_back_in_the_common_key(folk_songs: list[Song]) -> None:
    checked = 0
    for song in folk_songs:
        meter = tune_meter(song)
        if meter is None:
            continue
        shift = shift_to_common_key(song)
        moved = song.transpose(shift)
        assert moved.key_signatures[0][1] in COMMON_KEYS
        bar_length = round(song.steps_per_beat * 4 * meter[0] / meter[1])
        events = melody_events(moved, bar_length)
        vocabulary = build_vocabulary([events], song.steps_per_beat, meter, coverage=1.0, max_durations=100)
        rows = tokens(events, vocabulary)
        decoded = decode(rows[:, 0], rows[:, 1], vocabulary, start=events.start)
        melody = moved.melody().notes
        for column in ("pitch", "onset", "duration"):
            np.testing.assert_array_equal(decoded.notes[column], melody[column], err_msg=f"{song.source} {column}")
        checked += 1
    assert checked >= 40


def test_positions_count_from_the_bar_line_and_rests_stay_inside_their_bar(folk_songs: list[Song]) -> None:
    for song in folk_songs:
        meter = tune_meter(song)
        if meter is None:
            continue
        bar_length = song.bar_length(int(song.bar_starts()[-1]))
        events = melody_events(song, bar_length)
        onsets = events.start + np.concatenate([[0], np.cumsum(events.duration)[:-1]])
        starts = song.bar_starts()
        full_bars = starts[np.diff(starts, append=starts[-1] + bar_length) == bar_length]
        on_bar_line = np.isin(onsets, full_bars)
        assert (events.position[on_bar_line] == 0).all(), song.source
        rests = events.pitch < 0
        assert (events.position[rests] + events.duration[rests] <= bar_length).all(), song.source


def test_a_rare_duration_is_written_in_known_ones_and_keeps_its_tune(folk_songs: list[Song]) -> None:
    """Tunes holding a duration the vocabulary lacks were left out (a tenth of Aird's airs, for
    notes tied over a bar line); now a rare note is struck again in known durations for as long as
    it sounded, so every note starts where it started, sounds as long, and every bar is as long."""
    rewritten = 0
    for song in folk_songs:
        meter = tune_meter(song)
        if meter is None:
            continue
        bar_length = round(song.steps_per_beat * 4 * meter[0] / meter[1])
        events = melody_events(song, bar_length)
        known = tuple(d for d in np.unique(events.duration).tolist() if d <= song.steps_per_beat)
        vocabulary = Vocabulary(song.steps_per_beat, meter, int(events.pitch.max()) - 48, int(events.pitch.max()), known)
        rows = tokens(events, vocabulary)
        if song.steps_per_beat not in known or known == tuple(np.unique(events.duration)):
            continue
        assert rows is not None, song.source
        decoded = decode(rows[:, 0], rows[:, 1], vocabulary, start=events.start).notes
        for note in song.melody().notes:
            inside = (decoded["onset"] >= note["onset"]) & (decoded["onset"] < note["onset"] + note["duration"])
            assert decoded["onset"][inside].min() == note["onset"], song.source
            assert (decoded["pitch"][inside] == note["pitch"]).all(), song.source
            assert decoded["duration"][inside].sum() == note["duration"], song.source
        lengths = np.array(known)[rows[:, 1]]
        assert lengths.sum() == events.duration.sum()
        np.testing.assert_array_equal((rows[:-1, 2] + lengths[:-1]) % bar_length, rows[1:, 2])
        rests = rows[:, 0] == REST_TOKEN
        assert (rows[rests, 2] + lengths[rests] <= bar_length).all(), song.source
        rewritten += 1
    assert rewritten >= 20


def test_a_held_note_is_struck_again_at_the_bar_line_in_lengths_that_fill_it() -> None:
    """Bars of 16 steps; known lengths 4, 6 and 12. A note of 20 from step 12 is struck again at the
    bar line (4, then 12 + 4); one of 14 from a bar line, where the longest first (12) would leave 2
    steps nothing fills, as 6 + 4 + 4; one of 18 from step 14, where the 2 steps to the bar line are
    no known length, as 12 over the bar line + 6; a rest of 10 as 6 + 4 rests; a note of 2 steps,
    which no known lengths make, leaves its tune out."""
    vocabulary = Vocabulary(steps_per_beat=4, meter=(4, 4), pitch_low=60, pitch_high=72, durations=(4, 6, 12))
    pitches, lengths = [60, 62, 64, 65, -1, 67], [12, 20, 14, 18, 10, 6]
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    events = Events(np.array(pitches), np.array(lengths), starts % 16, 0)
    written = within_vocabulary(events, vocabulary)
    assert written.pitch.tolist() == [60, 62, 62, 62, 64, 64, 64, 65, 65, -1, -1, 67]
    assert written.duration.tolist() == [12, 4, 12, 4, 6, 4, 4, 12, 6, 6, 4, 6]
    assert written.position.tolist() == [0, 12, 0, 12, 0, 6, 10, 14, 10, 0, 6, 10]
    assert within_vocabulary(Events(np.array([60, 62]), np.array([12, 2]), np.array([0, 12]), 0), vocabulary) is None


@pytest.mark.skipif(not (SHARED_DATA / "airds").is_dir(), reason="needs ../shared/data/airds")
def test_no_tune_of_airds_airs_is_left_out_for_a_rare_duration() -> None:
    songs = prepare(SHARED_DATA / "airds", progress=False).songs
    encoded = encode_songs(songs, meter=(4, 4))
    in_meter = len(pool_by_meter(songs, (4, 4)).songs)
    assert encoded.n_tunes == in_meter - sum(count for reason, count in encoded.skipped.items() if reason.startswith("shorter"))
    assert encoded.n_tunes > 500  # 447 when a rare duration left its tune out


def test_key_estimate_finds_major_and_minor() -> None:
    assert estimate_key(_scale([67, 69, 71, 72, 74, 76, 78, 79, 74, 71, 67])) == "G"
    assert estimate_key(_scale([57, 59, 60, 62, 64, 65, 68, 69, 64, 60, 57])) == "Am"
    assert estimate_key(_scale([57, 60, 64, 69, 64, 60, 57]), candidates=("C", "Am")) == "Am"


def test_training_windows_are_one_meter_and_start_on_a_bar_line(folk_songs: list[Song]) -> None:
    encoded = encode_songs(folk_songs, window=16, meter=(4, 4))
    vocabulary = encoded.vocabulary
    assert vocabulary.meter == (4, 4) and vocabulary.bar_length == 48
    assert encoded.windows.shape[1:] == (17, 4)
    assert (encoded.windows[:, 1, 2] == 0).all()
    assert (encoded.windows[:, :, 3] == encoded.windows[:, :1, 3]).all()  # one tune's length through a window
    other_meters = sum(count for reason, count in encoded.skipped.items() if reason.startswith("in ") or "changing" in reason)
    assert other_meters == sum(tune_meter(song) not in ((4, 4), (2, 2)) for song in folk_songs)
    # positions follow the durations within every window
    lengths = np.array(vocabulary.durations)[encoded.windows[:, 1:-1, 1]]
    np.testing.assert_array_equal((encoded.windows[:, 1:-1, 2] + lengths) % 48, encoded.windows[:, 2:, 2])


def _tune_of(note_length: int, bars: int) -> Song:
    """A 4/4 tune of `bars` bars of equal notes stepping up and down a scale."""
    count = bars * 48 // note_length
    return Song(notes=_scale([60 + [0, 2, 4, 5, 7, 5, 4, 2][i % 8] for i in range(count)], note_length))


def test_every_tune_gives_a_window_per_two_bars_whatever_its_note_count() -> None:
    """Dense tunes must not outweigh sparse ones: a tune in quarter notes and one in eighths of
    the same 8 bars give as many windows (cutting windows from the tune played twice gave the
    quarters one and the eighths four), and each window knows its tune's length."""
    quarters, eighths, long = _tune_of(12, 8), _tune_of(6, 8), _tune_of(12, 16)
    for tune, bars in ((quarters, 8), (eighths, 8), (long, 16)):
        encoded = encode_songs([tune], window=64)
        assert len(encoded.windows) == bars // 2
        assert (encoded.windows[:, :, 3] == bars).all()
    with pytest.raises(EncodingError, match="shorter than 16 notes"):
        encode_songs([_tune_of(12, 3)], window=64)


def test_no_usable_tune_is_one_clear_error(folk_songs: list[Song]) -> None:
    with pytest.raises(EncodingError, match="no usable tune"):
        encode_songs(folk_songs, window=16, meter=(7, 8))

"""The melody family's training plan: the largest pool of equal-bar meters, tunes held out by version,
windows of notes, a generator sized to the folder."""

from __future__ import annotations

import torch

from midigan.music.errors import EncodingError
from midigan.music.holdout import split_by_tune
from midigan.music.melody.encoding import describe, encode_songs
from midigan.music.melody.model import MusicSeqFamily
from midigan.music.meters import Meter, meter_text, pool_by_meter, pool_meters
from midigan.music.planning import ModelSize, TrainingPlan, finish_plan, held_line, held_out_or_none, sized
from midigan.song import Song

#: The discriminator's width: 64 judged as well as 128 on the tuning folder and is four times cheaper
#: (a 128-wide critic with its R1 penalty took 40% of an adversarial step).
D_WIDTH = 64


def training_notes(songs: list[Song], meter: Meter | None) -> int:
    """The notes a melody run on `songs` would train on, without encoding them: what `--from auto`
    decides by before anything is planned."""
    train, _ = split_by_tune(pool_by_meter(songs, meter).songs)
    return sum(len(song.melody().notes) for song in train)


def plan_melody(songs: list[Song], meter: Meter | None, size: ModelSize) -> TrainingPlan:
    """The melody family on the largest pool of equal-bar meters (or `meter`'s), tunes held out
    by version; where no tune of that pool can be learnt (all fragments) and no meter was asked
    for, the next pool whose tunes can, said first in the report. Raises EncodingError / ValueError
    with one-line messages."""
    try:
        return _plan_pool(songs, meter, size)
    except EncodingError as error:
        if meter is not None:
            raise
        failed, *others = pool_meters(songs) or [None]
        for other in others:
            try:
                plan = _plan_pool(songs, other, size)
            except EncodingError:
                continue
            plan.report.insert(0, f"no tune in {meter_text(failed)} can be learnt ({error}): learning the tunes in"
                                  f" {meter_text(other)} (--meter chooses)")
            return plan
        raise


def _plan_pool(songs: list[Song], meter: Meter | None, size: ModelSize) -> TrainingPlan:
    window = size.window or 64
    pool = pool_by_meter(songs, meter)
    train, held = split_by_tune(pool.songs)
    encoded = encode_songs(train, window=window, meter=pool.meter)
    held_out = held_out_or_none(lambda: encode_songs(held, window=window, vocabulary=encoded.vocabulary), held)
    melodies = [song.melody() for song in train]
    notes = sum(len(melody.notes) for melody in melodies)
    lengths = encoded.windows[:, 0, 3]
    tune_bars = (int(lengths.min()), int(lengths.max())) if size.length_aware else None
    family = MusicSeqFamily(encoded.vocabulary, window=window, tune_bars=tune_bars, interval_scores=size.interval_scores,
                            position_durations=size.position_durations, d_width=size.d_width or D_WIDTH, **sized(size, notes))
    skipped = {reason: count for reason, count in encoded.skipped.items() if not reason.startswith("in ")}
    report = [pool.describe(), held_line(train, held),
              f"{encoded.n_tunes} training tunes -> {len(encoded.windows)} windows of {window} notes"
              f" ({f'left out: {describe(skipped)}' if skipped else 'none left out'})",
              f"model: melody LSTM {family.layers}x{family.hidden}, dropout {family.dropout:g}, for {notes} training notes"]
    validation_pieces = [song.melody() for song in held]
    return finish_plan(family, torch.from_numpy(encoded.windows), held_out.windows if held_out is not None else None, melodies,
                       validation_pieces, "phrases", report, notes)

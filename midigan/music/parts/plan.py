"""The parts family's training plan: the folder's shared parts, sections in the largest pool of
equal-bar meters, pieces held out by version, windows of whole bars on the grid."""

from __future__ import annotations

import torch

from midigan.music.holdout import split_by_tune
from midigan.music.meters import Meter
from midigan.music.parts.encoding import WINDOW_BARS, build_vocabulary, encode_pieces, sections_in_meter
from midigan.music.parts.layout import find_parts, parts_only
from midigan.music.parts.model import PolyFamily
from midigan.music.planning import ModelSize, TrainingPlan, finish_plan, held_line, held_out_or_none, sized
from midigan.song import Song


def plan_polyphony(songs: list[Song], meter: Meter | None, size: ModelSize) -> TrainingPlan:
    """The polyphonic family on the folder's shared parts, in the largest pool of equal-bar
    meters (or `meter`'s), pieces held out by version."""
    search = find_parts(songs)
    sections, meter, left_out = sections_in_meter(search, meter)
    pieces = [parts_only(section.song, section.mapping) for section in sections]
    train_pieces, held_pieces = split_by_tune(pieces)
    held_ids = {id(piece) for piece in held_pieces}
    train = [s for s, p in zip(sections, pieces) if id(p) not in held_ids]
    held = [s for s, p in zip(sections, pieces) if id(p) in held_ids]
    vocabulary = build_vocabulary(train, search.layout, meter)
    window_bars = max(1, size.window // vocabulary.bar_steps) if size.window else WINDOW_BARS
    encoded = encode_pieces(train, vocabulary, window_bars)
    held_out = held_out_or_none(lambda: encode_pieces(held, vocabulary, window_bars), held)
    notes = sum(len(piece.notes) for piece in train_pieces)
    family = PolyFamily(vocabulary, window=window_bars * vocabulary.bar_steps, **sized(size, notes))
    left = ", ".join(f"{count} {reason}" for reason, count in left_out.items()) or "none"
    report = [search.describe(), f"{len(sections)} sections in {meter[0]}/{meter[1]} (left out: {left})",
              held_line(train, held),
              f"{len(encoded.windows)} windows of {window_bars} bars",
              f"model: {vocabulary.n_voices} voices, LSTM {family.layers}x{family.hidden}, dropout {family.dropout:g},"
              f" for {notes} training notes"]
    return finish_plan(family, torch.from_numpy(encoded.windows), held_out.windows if held_out is not None else None,
                       train_pieces, held_pieces, "passages", report)

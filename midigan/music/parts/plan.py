"""The parts family's training plan: the folder's shared parts, sections in the largest pool of
equal-bar meters, pieces held out by version, windows of whole bars on the coarsest grid their
notes allow, and a model sized for what a CPU learns in a budget.

Why one small size: a model of parts pays for every voice of every grid step, and within ten
minutes it sees each note a few times at most; a smaller network learns more per second of CPU
than a larger one learns per step (madrigals, 150 CPU seconds each: an LSTM of 128 with heads of
64 reached a held-out loss of 3.73 nats a note in 800 steps, one of 192 with heads of 192 3.81
in 500; a 6-voice model of 2x256 made 551 steps in 8 minutes). Dropout still follows the
folder's size (`midigan.music.capacity`).
"""

from __future__ import annotations

import torch

from midigan.music.capacity import capacity_for
from midigan.music.holdout import split_by_tune
from midigan.music.meters import Meter
from midigan.music.parts.encoding import WINDOW_BARS, build_vocabulary, encode_pieces, on_coarsest_grid, sections_in_meter
from midigan.music.parts.grid import GRID_STEPS_PER_BEAT
from midigan.music.parts.layout import find_parts, parts_only
from midigan.music.parts.model import PolyFamily
from midigan.music.planning import ModelSize, TrainingPlan, finish_plan, held_line, held_out_or_none
from midigan.song import Song, steps_per_bar

HIDDEN, HEAD, LAYERS = 128, 64, 1  # the generator's LSTM, each voice's head, LSTM layers
GRID_NAMES = {1: "quarter notes", 2: "8th notes", 4: "16th notes"}


def plan_polyphony(songs: list[Song], meter: Meter | None, size: ModelSize) -> TrainingPlan:
    """The polyphonic family on the folder's shared parts, in the largest pool of equal-bar
    meters (or `meter`'s), pieces held out by version."""
    search = find_parts(songs)
    sections, meter, left_out = sections_in_meter(search, meter)
    sections, grid = on_coarsest_grid(sections, meter)
    pieces = [parts_only(section.song, section.mapping) for section in sections]
    train_pieces, held_pieces = split_by_tune(pieces)
    held_ids = {id(piece) for piece in held_pieces}
    train = [s for s, p in zip(sections, pieces) if id(p) not in held_ids]
    held = [s for s, p in zip(sections, pieces) if id(p) in held_ids]
    vocabulary = build_vocabulary(train, search.layout, meter, grid)
    window_bars = max(1, size.window // steps_per_bar(GRID_STEPS_PER_BEAT, *meter)) if size.window else WINDOW_BARS  # --window counts 16ths
    encoded = encode_pieces(train, vocabulary, window_bars)
    held_out = held_out_or_none(lambda: encode_pieces(held, vocabulary, window_bars), held)
    notes = sum(len(piece.notes) for piece in train_pieces)
    dropout = capacity_for(notes).dropout if size.dropout is None else size.dropout
    family = PolyFamily(vocabulary, window=window_bars * vocabulary.bar_steps, hidden=size.hidden or HIDDEN, layers=size.layers or LAYERS,
                        dropout=dropout, head=size.head or HEAD, melodic=size.melodic, critic_features=size.critic_features)
    left = ", ".join(f"{count} {reason}" for reason, count in left_out.items()) or "none"
    report = [search.describe(), f"{len(sections)} sections in {meter[0]}/{meter[1]} (left out: {left})",
              held_line(train, held),
              f"{len(encoded.windows)} windows of {window_bars} bars on a grid of {GRID_NAMES[grid]}",
              f"model: {vocabulary.n_voices} voices, LSTM {family.layers}x{family.hidden}, dropout {family.dropout:g},"
              f" for {notes} training notes"]
    return finish_plan(family, torch.from_numpy(encoded.windows), held_out.windows if held_out is not None else None,
                       train_pieces, held_pieces, "passages", report, notes)

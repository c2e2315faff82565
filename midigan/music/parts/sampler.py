"""New multi-part pieces of an exact number of bars, optionally around a given melody.

Why step by step with forced tokens: on the grid every bar has the same number of steps, so any
number of bars is exact by construction; following a form means feeding a repeated bar's tokens
instead of drawing them, and harmonising means feeding the given melody as the top voice, whose
choice every lower voice sees before it chooses (see `midigan.music.parts.model`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn.functional as F

from midigan.music.errors import EncodingError
from midigan.music.keys import shift_to_common_key
from midigan.music.nucleus import PIECE_TOP_P, sample_masked, seeded_generator
from midigan.music.parts.grid import GRID_HOLD, GRID_REST, GridVocabulary, quantise, to_grid
from midigan.music.parts.layout import PartLayout, assign_tracks, parts_only, tracks_of
from midigan.music.parts.voice_leading import SILENT, step_sounding
from midigan.music.primer import Primer
from midigan.song import Song

if TYPE_CHECKING:
    from torch import nn


@torch.no_grad()
def sample_grid(generator: nn.Module, vocabulary: GridVocabulary, bars: int, count: int, seed: int | None = None,
                temperature: float = 1.0, top_p: float = PIECE_TOP_P, plans: list[list[int]] | None = None,
                forced: np.ndarray | None = None) -> np.ndarray:
    """(count, steps, voices) tokens of `bars` bars. `plans[i][b]` names an earlier bar that bar b
    of piece i repeats; `forced` (steps, voices) tokens, -1 where free, are fed as they are (a
    melody as voice 0, a primer's parts), and a repeated bar never overrides them."""
    if bars < 1:
        raise ValueError("the number of bars must be at least 1")
    device = next(generator.parameters()).device
    bar, sizes = vocabulary.bar_steps, vocabulary.sizes
    steps, voices = bars * bar, len(sizes)
    rng = seeded_generator(seed, device)
    tokens = torch.full((count, steps, voices), -1, dtype=torch.long, device=device)
    given = torch.full_like(tokens, -1)
    if forced is not None:
        given[:, : len(forced)] = torch.as_tensor(forced[:steps], device=device)
    forced = given.clone()
    previous, state = generator.start(count, device), None
    last = torch.full((count, voices), GRID_REST, dtype=torch.long, device=device)
    before = torch.full((count, voices), SILENT, dtype=torch.long, device=device)
    latest = before.clone()
    for t in range(steps):
        if plans is not None and t % bar == 0:
            _copy_planned_bar(tokens, forced, given, plans, t // bar, bar)
        position = F.one_hot(torch.full((count,), t % bar, device=device), bar).float()
        x = generator.inputs(previous, position, torch.randn(count, generator.noise_dim, device=device, generator=rng))
        hidden, state = generator.step(x, state)
        above = torch.zeros(count, generator.position.shape[1], device=device)
        now = before.clone()
        for voice, size in enumerate(sizes):
            allowed = torch.ones(count, size, dtype=torch.bool, device=device)
            allowed[:, GRID_HOLD] = last[:, voice] != GRID_REST  # a note holds only after it started
            logits = generator.voice_logits(voice, hidden, above, before, now, latest)
            choice = sample_masked(logits, allowed, temperature, top_p, rng)
            choice = torch.where(forced[:, t, voice] >= 0, forced[:, t, voice], choice)
            tokens[:, t, voice] = choice
            now[:, voice] = step_sounding(before[:, voice], choice, vocabulary.low[voice])
            above = above + generator.above_of(voice, F.one_hot(choice, size).float())
        latest = torch.where(now >= 0, now, latest)
        before = now
        last = torch.where(tokens[:, t] == GRID_HOLD, last, tokens[:, t])
        previous = [F.one_hot(tokens[:, t, v], size + 1).float() for v, size in enumerate(sizes)]
    return np.stack([_ending_on_the_bar_line(grid) for grid in tokens.cpu().numpy()])


def _ending_on_the_bar_line(grid: np.ndarray) -> np.ndarray:
    """A piece whose last steps are silent in every voice has its latest note held to the end,
    so it lasts exactly the bars asked for (a file ends with its last note)."""
    sounding = grid != GRID_REST
    if sounding[-1].any() or not sounding.any():
        return grid
    last_step = int(np.flatnonzero(sounding.any(axis=1))[-1])
    voice = int(np.flatnonzero(sounding[last_step])[0])
    grid = grid.copy()
    grid[last_step + 1:, voice] = GRID_HOLD
    return grid


def _copy_planned_bar(tokens: torch.Tensor, forced: torch.Tensor, given: torch.Tensor, plans: list[list[int]],
                      bar_index: int, bar: int) -> None:
    """Feed bar `source`'s tokens in bar `bar_index` of each piece whose plan says so, where
    nothing was given."""
    here = slice(bar_index * bar, (bar_index + 1) * bar)
    for piece, plan in enumerate(plans):
        source = plan[bar_index] if bar_index < len(plan) else -1
        if source >= 0:
            copied = tokens[piece, source * bar:(source + 1) * bar]
            forced[piece, here] = torch.where(given[piece, here] >= 0, given[piece, here], copied)


def primer_parts(song: Song, vocabulary: GridVocabulary) -> Song:
    """A primer file's tracks matched to the model's parts (by name, else family and rank, or
    register), each numbered by its part; tracks of no part are left out. EncodingError when none
    matches.

    A lone pitched track of no part's name takes the top pitched part: a tune brought alone is the
    tune, and placed by register one in five folk tunes went to an inner voice of the chorales
    model, which then wrote parts above it. Two or more tracks are placed by their registers,
    compared in the model's common key (the key its voices' ranges were learnt in).
    """
    tracks = tracks_of(song.transpose(shift_to_common_key(song)))
    mapping = assign_tracks(tracks, _with_registers(vocabulary))
    pitched = [track for track in tracks if not track.is_drum]
    if len(pitched) == 1:
        lone, layout = pitched[0].index, vocabulary.layout
        # with no registers known, a layout by name matches the track by its name only, one by place puts it on top
        unknown = replace(layout, parts=[replace(part, pitch=0.0) for part in layout.parts])
        top = next(index for index, part in enumerate(layout.parts) if not part.is_drum)
        mapping[lone] = assign_tracks(pitched, unknown).get(lone, top)
    if not mapping:
        raise EncodingError("no track of the primer plays one of the model's parts")
    return parts_only(song, mapping)


def _with_registers(vocabulary: GridVocabulary) -> PartLayout:
    """The model's layout, a part of unknown register placed in the middle of its voices' ranges.

    Why: a layout matched by name stores no registers in models from before it did (the shipped
    chorales model), so a primer track of another name was within an octave of no part, and an
    unnamed piano tune was refused ("no track of the primer plays one of the model's parts")."""
    middle = [(low + high) / 2 for low, high in zip(vocabulary.low, vocabulary.high)]
    parts = [replace(part, pitch=part.pitch or float(np.mean([m for m, p in zip(middle, vocabulary.voice_part) if p == index])))
             for index, part in enumerate(vocabulary.layout.parts)]
    return replace(vocabulary.layout, parts=parts)


def primer_grid(primer: Primer, vocabulary: GridVocabulary) -> np.ndarray:
    """(steps, voices) tokens to feed: the primer's parts over its bars, -1 where the model writes."""
    song = quantise(primer.in_common_key, vocabulary.grid)
    present = sorted({int(track) for track in song.notes["track"]})
    grid = to_grid(song, {part: part for part in present}, vocabulary, steps=primer.bars * vocabulary.bar_steps)
    voice_part = np.array(vocabulary.voice_part)
    grid[:, ~np.isin(voice_part, present)] = -1
    return grid

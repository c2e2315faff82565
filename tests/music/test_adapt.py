"""A trained model of parts carried over to another folder's parts, ranges, grid and meter: it starts
there from what it learnt (a lower loss than a fresh model), and says which parts start fresh."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from support import BACH, one_line_error, trains_in_halves_as_straight
from support import midigan as run

from midigan.music.catalogue import load_music_model, shipped_model
from midigan.music.parts.adapt import part_map
from midigan.music.parts.grid import GRID_STEPS_PER_BEAT
from midigan.music.parts.layout import read_before_utf8
from midigan.music.parts.plan import plan_polyphony
from midigan.music.planning import ModelSize

from .motets import SIX_VOICES, motet

FIVE = [voice for voice in SIX_VOICES if voice[0] != "Quintus"]


def _loss(family, generator, data: torch.Tensor) -> float:
    torch.manual_seed(0)
    with torch.no_grad():
        return family.pretrain_loss(generator.eval(), data).item()


def test_a_model_of_five_parts_in_four_four_starts_a_folder_of_six_in_four_two_from_what_it_learnt() -> None:
    torch.manual_seed(0)
    source = plan_polyphony([motet(FIVE, seed=i) for i in range(6)], None, ModelSize(hidden=32))
    generator = source.family.build_generator()
    optimizer = torch.optim.Adam(generator.parameters(), 3e-3)
    for _ in range(60):
        optimizer.zero_grad()
        source.family.pretrain_loss(generator, source.data[:32]).backward()
        optimizer.step()
    target = plan_polyphony([motet(SIX_VOICES, seed=i, meter=(4, 2)) for i in range(6)], None, ModelSize(hidden=32))
    assert target.family.vocabulary.meter == (4, 2) and target.family.vocabulary.n_voices == 6

    assert part_map(source.family.vocabulary, target.family.vocabulary) == {0: 0, 1: 1, 2: 2, 3: 3, 5: 4}  # Quintus has none
    fresh = target.family.build_generator()
    said = target.family.adapt_from(SimpleNamespace(family=source.family, generator=generator))
    assert said.endswith("learnt afresh: Quintus") and "Tenor 2 from Tenor 2" in said
    started = target.family.build_generator()
    assert _loss(target.family, started, target.data) < 0.8 * _loss(target.family, fresh, target.data)
    lows = target.family.vocabulary.low[0], source.family.vocabulary.low[0]
    pitch = max(lows)  # a pitch both cantus parts sing: its scores are the trained ones
    assert torch.equal(started.heads[0][2].weight[pitch - lows[0] + 2], generator.heads[0][2].weight[pitch - lows[1] + 2])


@pytest.mark.slow
@pytest.mark.usefixtures("in_scratch_folder")
def test_from_the_shipped_chorales_a_run_of_parts_starts_and_resumes_exactly(tmp_path: Path) -> None:
    common = ["--from", "chorales", "--pretrain-steps", 2, "--window", 32, "--batch-size", 8, "--eval-every", 2, "--quiet"]
    straight, a = trains_in_halves_as_straight(BACH, common, tmp_path)
    assert "starting from chorales: parts taken from the trained model: Soprano from Soprano" in straight.output
    assert a["family"]["config"]["hidden"] == 192
    one_line_error(run("train", BACH, "--from", "folk", "--max-steps", 1, "--quiet"), "cannot start from a tune model")


def test_a_model_from_before_parts_knew_their_registers_maps_by_its_voices_ranges() -> None:
    chorales = load_music_model(shipped_model("chorales")).family.vocabulary
    assert not any(part.pitch for part in chorales.layout.parts)  # the shipped model predates part registers
    target = plan_polyphony([motet(SIX_VOICES, seed=i) for i in range(6)], None, ModelSize(hidden=32)).family.vocabulary
    mapping = part_map(chorales, target)
    assert mapping[0] == 0 and mapping[len(target.layout.parts) - 1] == 3  # soprano on top, bass at the bottom


def test_a_run_trained_when_names_were_read_as_latin1_gives_its_parts_to_the_same_names() -> None:
    """Before READER_VERSION 4 a UTF-8 "Flöte" was read "FlÃ¶te" and a run stored "flã te": a new
    folder's "Flöte" matched no trained part by name and took the one nearest its register."""
    voices = [("Flöte", 72), ("Oboe", 67), ("Hörner", 55), ("Fagott", 45)]
    old = [motet(voices, seed=i) for i in range(6)]
    old = [replace(song, track_names={i: read_before_utf8(name) for i, name in song.track_names.items()}) for song in old]
    source = plan_polyphony(old, None, ModelSize(hidden=32)).family.vocabulary
    assert [part.match for part in source.layout.parts] == ["flã te", "oboe", "hã rner", "fagott"]
    low_flute = [motet([("Oboe", 67), ("Flöte", 45)], seed=i) for i in range(6)]  # its name, not its register, says its part
    target = plan_polyphony(low_flute, None, ModelSize(hidden=32)).family.vocabulary
    assert [part.name for part in target.layout.parts] == ["Oboe", "Flöte"]
    assert part_map(source, target) == {0: 1, 1: 0}


def test_a_resumed_run_of_parts_on_a_coarse_grid_plans_the_window_it_was_trained_with() -> None:
    """The family stores its window in steps of its grid, --window counts 16ths: a madrigal run on
    8th notes resumed with 4 bars instead of 8, and its checkpoint no longer fitted the model."""
    pieces = [motet(FIVE, seed=i) for i in range(6)]
    first = plan_polyphony(pieces, None, ModelSize(hidden=32)).family
    assert first.vocabulary.grid < GRID_STEPS_PER_BEAT  # pieces of half notes: a grid coarser than 16ths
    resumed = plan_polyphony(pieces, None, ModelSize.of_run(first.config())).family
    assert resumed.window == first.window and resumed.config() == first.config()

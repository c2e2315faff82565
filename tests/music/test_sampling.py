"""The sampling share of a model of parts: chosen on its own training pieces, stored, and used."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from support import MIDI as DATA
from support import midigan as run

from midigan.core.checkpoint import add_artifacts, load_checkpoint
from midigan.midi import read, write
from midigan.music.calibration import ARTIFACT, CANDIDATES, choose_top_p
from midigan.music.parts.plan import plan_polyphony
from midigan.music.planning import ModelSize

from .band import band_folder

pytestmark = pytest.mark.usefixtures("in_scratch_folder")


def test_the_share_whose_pieces_lie_closest_to_the_training_pieces_is_chosen() -> None:
    chorales = [read(path) for folder in ("bach", "chorales-heldout") for path in sorted((DATA / folder).glob("*.mid"))]
    plan = plan_polyphony(chorales, None, ModelSize(hidden=16))
    assert plan.validation is not None
    plan.validation.samples = 16  # a quicker check than training's 128 pieces; the same rule
    torch.manual_seed(0)
    generator = plan.family.build_generator().eval()
    with torch.no_grad():  # scores as far apart as a trained model's, so each share cuts other choices
        for head in generator.heads:
            head[-1].weight.mul_(20)
    chosen, distances = choose_top_p(plan.validation, generator)
    assert set(distances) == set(CANDIDATES)
    assert len(set(distances.values())) == len(CANDIDATES)  # each share writes other pieces
    assert distances[chosen] == min(distances.values())


def _band_model(root: Path) -> Path:
    """A tiny model of parts trained on the band fixtures; its last checkpoint (it has no best.pt)."""
    band_folder(root / "band")
    assert run("train", "band", "--max-steps", 2, "--pretrain-steps", 1, "--window", 32, "--hidden", 16, "--quiet").exit_code == 0
    return root / "runs" / "band-1" / "checkpoints" / "last.pt"


def test_generate_draws_with_the_share_stored_in_the_checkpoint(tmp_path: Path) -> None:
    last = _band_model(tmp_path)
    for name in ("default.mid", "again.mid"):
        drawn = run("generate", "--model", "runs/band-1", "--bars", 4, "--seed", 3, name)
        assert drawn.exit_code == 0, drawn.output
    default = read(tmp_path / "default.mid").notes
    assert np.array_equal(read(tmp_path / "again.mid").notes, default)  # a seed gives the same piece
    add_artifacts(last, {ARTIFACT: torch.tensor(1e-6)})  # only the likeliest choice at every step
    assert float(load_checkpoint(last)["artifacts"][ARTIFACT]) == pytest.approx(1e-6)
    assert "forms" in load_checkpoint(last)["artifacts"]  # the others are kept
    greedy = run("generate", "--model", "runs/band-1", "--bars", 4, "--seed", 3, "greedy.mid")
    assert greedy.exit_code == 0, greedy.output
    assert not np.array_equal(read(tmp_path / "greedy.mid").notes, default)


def test_harmonising_keeps_the_default_share(tmp_path: Path) -> None:
    last = _band_model(tmp_path)
    write(read(tmp_path / "band" / "song1.mid").melody(), tmp_path / "tune.mid")
    harmonised = {}
    for name, share in (("default", None), ("greedy", 1e-6)):
        if share is not None:
            add_artifacts(last, {ARTIFACT: torch.tensor(share)})
        made = run("generate", "--model", "runs/band-1", "--melody", "tune.mid", "--seed", 3, f"{name}.mid")
        assert made.exit_code == 0, made.output
        harmonised[name] = read(tmp_path / f"{name}.mid").notes
    assert np.array_equal(harmonised["greedy"], harmonised["default"])

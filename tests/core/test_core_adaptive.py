"""Adaptive augmentation: the probability rises while D overfits, falls while it does not, is
logged and plotted, and a resumed run continues it exactly."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from core_toy import RingFamily, mlp, quick_config, ring_data
from test_core_resume import assert_same_tensors, final_state
from torch import nn

from midigan.core.adaptive import AdaptiveAugment
from midigan.core.checkpoint import load_checkpoint
from midigan.core.errors import TrainingError
from midigan.core.trainer import Trainer


class JitteringCritic(nn.Module):
    """An MLP critic that, in training, moves each point by Gaussian noise with the probability the
    engine sets."""

    def __init__(self, hidden: int):
        super().__init__()
        self.body, self.augment_probability = mlp(2, hidden, 1, 2), 0.0

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        if self.training:
            chosen = torch.rand(len(points), 1) < self.augment_probability
            points = torch.where(chosen, points + torch.randn_like(points), points)
        return self.body(points)


class AugmentedRing(RingFamily):
    name = "augmented-ring"

    def build_discriminator(self) -> nn.Module:
        return JitteringCritic(self.hidden)

    def set_augment_probability(self, discriminator: nn.Module, probability: float) -> None:
        discriminator.augment_probability = probability


def test_the_probability_moves_by_the_examples_seen_towards_the_target() -> None:
    adaptive = AdaptiveAugment(target=0.6, images_to_full=1000, interval=4)
    moved = [adaptive.observe(torch.tensor(1.0), 50) for _ in range(8)]
    assert moved == [False, False, False, True] * 2 and adaptive.p == pytest.approx(0.4)  # 2 x 200/1000
    for _ in range(4):
        adaptive.observe(torch.tensor(-0.2), 50)
    assert adaptive.p == pytest.approx(0.2) and adaptive.r_t == pytest.approx(-0.2)
    for _ in range(40):
        adaptive.observe(torch.tensor(-1.0), 50)
    assert adaptive.p == 0.0  # never below 0 (nor above 1)
    with pytest.raises(ValueError, match="between 0 and 1"):
        AdaptiveAugment(target=1.5)


def test_the_probability_rises_while_d_is_sure_of_the_real_points_and_falls_when_it_is_not(tmp_path) -> None:
    """16 real points: D first memorises them (r_t near 1) and p climbs; as G catches up D grows
    unsure (r_t below the target) and p comes down again. Logged per step and kept in checkpoints."""
    run = tmp_path / "run"
    config = quick_config(run, max_steps=200, augment_target=0.6, augment_images_to_full=2000, log_every=10, d_lr=1e-3)
    Trainer(AugmentedRing(hidden=64), ring_data(16), config).fit()
    augment = [json.loads(line)["augment"] for line in (run / "metrics.jsonl").read_text().splitlines()]
    peak = max(range(len(augment)), key=lambda index: augment[index]["p"])
    assert augment[peak]["p"] > 0.5 and max(record["r_t"] for record in augment[:peak]) > 0.9
    assert augment[-1]["p"] < augment[peak]["p"] - 0.3 and all(record["r_t"] < 0.6 for record in augment[-3:])
    assert load_checkpoint(run / "checkpoints" / "last.pt")["hooks"]["augment"]["p"] == pytest.approx(augment[-1]["p"], abs=0.1)


def test_resume_continues_the_probability_exactly(tmp_path) -> None:
    data, settings = ring_data(16), dict(augment_target=0.6, augment_images_to_full=2000, d_lr=1e-3)
    Trainer(AugmentedRing(hidden=64), data, quick_config(tmp_path / "straight", max_steps=30, **settings)).fit()
    # 13 steps: one D update of the next adjustment is pending in the checkpoint
    Trainer(AugmentedRing(hidden=64), data, quick_config(tmp_path / "halves", max_steps=13, **settings)).fit()
    Trainer(AugmentedRing(hidden=64), data, quick_config(tmp_path / "halves", max_steps=30, resume=True, **settings)).fit()
    assert_same_tensors(final_state(tmp_path / "straight"), final_state(tmp_path / "halves"))
    schedules = [load_checkpoint(tmp_path / run / "checkpoints" / "last.pt")["hooks"]["augment"] for run in ("straight", "halves")]
    assert schedules[0] == schedules[1] and schedules[0]["p"] > 0


def test_a_family_without_augmentation_is_refused(tmp_path) -> None:
    with pytest.raises(TrainingError, match="adaptive augmentation is on, but ring has no augmentation to adapt"):
        Trainer(RingFamily(hidden=16), ring_data(16), quick_config(tmp_path / "run", augment_target=0.6)).fit()


def test_the_loss_plot_draws_the_augmentation_figures_dotted() -> None:
    from midigan.core.plot import COLOURS, loss_curves_image

    records = [{"step": s, "losses": {"d": 1.0, "g": 2.0}, "augment": {"p": s / 400, "r_t": 0.6}} for s in range(0, 200, 10)]
    image = loss_curves_image(records)
    drawn = {index for index, colour in enumerate(COLOURS) if (image == colour).all(axis=2).any()}
    assert drawn == {0, 1, 2, 3}  # d, g, then p and r_t on scales of their own
    p_columns = np.flatnonzero((image == COLOURS[2]).all(axis=2).any(axis=0))
    assert 0 < len(p_columns) < 0.75 * (p_columns.max() - p_columns.min())  # dotted

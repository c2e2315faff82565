"""Validation in the engine: best.pt, early stopping, the switch to adversarial training from the
best pretraining weights, time-shared phases, artifacts, and resume keeping all of it."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import torch
from core_toy import RingFamily, quick_config, ring_data
from test_core_pretrain import PretrainedRing
from test_core_resume import assert_same_tensors, final_state

from midigan.core.checkpoint import load_checkpoint, load_model
from midigan.core.trainer import Trainer
from midigan.core.validation import Validation


class ScriptedValidation(Validation):
    """Scores from a list, one per call; remembers what it was shown."""

    def __init__(self, scores):
        self.scores = list(scores)
        self.calls = []  # (phase, generator weights)

    def __call__(self, generator, phase):
        self.calls.append((phase, copy.deepcopy(generator.state_dict())))
        return {"score": self.scores[len(self.calls) - 1], "calls": float(len(self.calls))}


class WeightValidation(Validation):
    """A score that depends on the weights alone, so two runs agree whenever their weights do."""

    def __call__(self, generator, phase):
        return {"score": float(sum(p.abs().sum() for p in generator.parameters()) % 1.0)}


def validation_records(run_dir):
    records = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    return [(r["step"], r["phase"], r["best"]) for r in records if "validation" in r]


def test_best_checkpoint_holds_the_lowest_score(tmp_path):
    run_dir = tmp_path / "run"
    validation = ScriptedValidation([3.0, 1.0, 2.0, 0.5, 4.0])
    config = quick_config(run_dir, max_steps=10, eval_every=2, weight_decay=0.01)
    result = Trainer(RingFamily(hidden=16), ring_data(64), config, validation).fit()
    assert result.best_step == 8
    assert load_checkpoint(run_dir / "checkpoints" / "best.pt")["step"] == 8
    assert load_checkpoint(run_dir / "checkpoints" / "last.pt")["step"] == 10
    assert validation_records(run_dir) == [(2, "adversarial", True), (4, "adversarial", True), (6, "adversarial", False),
                                           (8, "adversarial", True), (10, "adversarial", False)]
    assert load_checkpoint(run_dir / "checkpoints" / "last.pt")["g_optimizer"]["param_groups"][0]["weight_decay"] == 0.01
    # generation takes best.pt from a run folder
    assert load_model(run_dir, RingFamily).path.name == "best.pt"


def test_pretraining_stops_when_validation_does_then_adversarial_starts_from_its_best(tmp_path):
    run_dir = tmp_path / "run"
    # pretrain checks at steps 2, 4, 6, 8; the best is step 4 and patience 2 runs out at step 8
    validation = ScriptedValidation([5.0, 4.0, 4.5, 4.6, 10.0, 11.0, 12.0])
    news = []
    config = quick_config(run_dir, max_steps=100, pretrain_steps=100, eval_every=2, patience=2)
    result = Trainer(PretrainedRing(hidden=16), ring_data(64), config, validation, say=news.append).fit()

    phases = [call[0] for call in validation.calls]
    assert phases == ["pretrain"] * 4 + ["adversarial"] * 3
    # the first adversarial check sees the restored step-4 weights
    assert_same_tensors(validation.calls[4][1], validation.calls[1][1])
    assert (result.stopped, result.step) == ("no_improvement", 12)
    assert [(p.name, p.steps, p.ended) for p in result.phases] == [("pretrain", 8, "no_improvement"),
                                                                  ("adversarial", 4, "no_improvement")]
    assert validation_records(run_dir) == [(2, "pretrain", True), (4, "pretrain", True), (6, "pretrain", False),
                                           (8, "pretrain", False), (8, "adversarial", True), (10, "adversarial", False),
                                           (12, "adversarial", False)]
    assert news == ["pretraining ended at step 8 (validation stopped improving); adversarial training starts from "
                    "the best pretraining weights (step 4)"]


def test_a_time_share_ends_pretraining(tmp_path):
    config = quick_config(tmp_path / "run", max_steps=4, pretrain_steps=100, max_minutes=10, pretrain_time_share=0.0)
    result = Trainer(PretrainedRing(hidden=16), ring_data(64), config).fit()
    assert [(p.name, p.steps, p.ended) for p in result.phases] == [("pretrain", 0, "time_share"), ("adversarial", 4, "max_steps")]


def test_artifacts_travel_in_every_checkpoint(tmp_path):
    hashes = torch.arange(5, dtype=torch.int64)
    config = quick_config(tmp_path / "run", max_steps=4, eval_every=2)
    Trainer(RingFamily(hidden=16), ring_data(64), config, ScriptedValidation([1.0, 2.0]), {"hashes": hashes}).fit()
    for which in ("best", "last"):
        assert torch.equal(load_model(tmp_path / "run", RingFamily, which=f"{which}.pt").artifacts["hashes"], hashes)


def test_eval_every_needs_a_validation(tmp_path):
    with pytest.raises(Exception, match="no validation"):
        Trainer(RingFamily(hidden=16), ring_data(64), quick_config(tmp_path / "run", eval_every=2))


def test_resume_keeps_the_phase_and_the_best_checkpoint(tmp_path):
    data = ring_data(70)
    settings = dict(pretrain_steps=100, eval_every=2, patience=2, max_steps=24)
    Trainer(PretrainedRing(hidden=16), data, quick_config(tmp_path / "straight", **settings), WeightValidation()).fit()

    first = dict(settings, max_steps=10)
    Trainer(PretrainedRing(hidden=16), data, quick_config(tmp_path / "halves", **first), WeightValidation()).fit()
    resumed = quick_config(tmp_path / "halves", resume=True, **settings)
    Trainer(PretrainedRing(hidden=16), data, resumed, WeightValidation()).fit()

    for which in ("last.pt", "best.pt"):
        straight = load_checkpoint(tmp_path / "straight" / "checkpoints" / which)
        halves = load_checkpoint(tmp_path / "halves" / "checkpoints" / which)
        assert straight["schedule"] == halves["schedule"] and straight["step"] == halves["step"]
        assert_same_tensors(straight["generator_ema"], halves["generator_ema"], which)
    assert_same_tensors(final_state(tmp_path / "straight"), final_state(tmp_path / "halves"))
    assert validation_records(tmp_path / "straight") == validation_records(tmp_path / "halves")


def test_the_loss_plot_draws_validation_figures_dotted_on_their_own_scale():
    from midigan.core.plot import COLOURS, loss_curves_image

    records = [{"step": s, "losses": {"d": 1.0, "g": 2.0 + s / 100}} for s in range(0, 200, 10)]
    records += [{"step": s, "validation": {"val_nll": 3.0 - s / 1000, "copy": 0.01, "score": 5.0}} for s in range(0, 200, 50)]
    image = loss_curves_image(records)
    drawn = {index for index, colour in enumerate(COLOURS) if (image == colour).all(axis=2).any()}
    assert drawn == {0, 1, 2, 3}  # d, g, val_nll, copy (the score is not drawn)
    validation_columns = np.flatnonzero((image == COLOURS[2]).all(axis=2).any(axis=0))
    assert 0 < len(validation_columns) < 0.75 * (validation_columns.max() - validation_columns.min())  # dotted


def test_a_resume_that_crosses_into_the_adversarial_phase_starts_from_the_pretraining_best(tmp_path):
    """Killed after best.pt had moved on to adversarial weights, a run resumed from its last
    pretraining checkpoint still starts the adversarial phase from the pretraining best."""
    import shutil

    data = ring_data(64)
    settings = dict(pretrain_steps=100, eval_every=2, patience=2, checkpoint_every=100)
    pretrain_scores, adversarial_scores = [5.0, 4.0, 4.5, 4.6], [10.0, 9.0, 8.0, 7.0]
    straight = quick_config(tmp_path / "straight", max_steps=14, **settings)
    Trainer(PretrainedRing(hidden=16), data, straight, ScriptedValidation(pretrain_scores + adversarial_scores)).fit()

    run = tmp_path / "killed"
    Trainer(PretrainedRing(hidden=16), data, quick_config(run, max_steps=8, **settings), ScriptedValidation(pretrain_scores)).fit()
    shutil.copy(run / "checkpoints" / "last.pt", tmp_path / "last-at-8.pt")
    resumed = quick_config(run, max_steps=14, resume=True, **settings)
    Trainer(PretrainedRing(hidden=16), data, resumed, ScriptedValidation(adversarial_scores)).fit()
    shutil.copy(tmp_path / "last-at-8.pt", run / "checkpoints" / "last.pt")  # the kill: back to step 8
    Trainer(PretrainedRing(hidden=16), data, resumed, ScriptedValidation(adversarial_scores)).fit()

    assert_same_tensors(final_state(tmp_path / "straight"), final_state(run))

"""The copula restores the correlations a generator drawing each column on its own leaves out, and
changes nothing else: each column's values, its gaps, runs without one."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
import torch
from support import PLACEMENTS
from torch import nn

from midigan.core.checkpoint import add_artifacts
from midigan.table.api import load_run
from midigan.table.copula import ResidualCopula, calibrate_checkpoint, fit_copula, normal_score_correlations
from midigan.table.kinds import infer_columns, to_typed
from midigan.table.reading import read_table
from midigan.table.sampling import generate_rows
from midigan.table.training import plan_table


class MarginalGenerator(nn.Module):
    """Each column's training frequencies, whatever the noise: rows with the right columns and no
    relation between them (the extreme of a latent code that carries nothing)."""

    def __init__(self, family):
        super().__init__()
        logits = [np.log(np.asarray(code.frequencies) + 1e-9) for code in family.encoding.codes]
        self.row = nn.Parameter(torch.tensor(np.concatenate(logits), dtype=torch.float32), requires_grad=False)
        self.scores = family.scalar_count
        self.noise = family.settings["noise_dim"]

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        score_noise = inputs[:, self.noise : self.noise + self.scores]
        return torch.cat([self.row.expand(len(inputs), -1), score_noise], dim=1)


@pytest.fixture(scope="module")
def related_table() -> pd.DataFrame:
    """Two related few-valued numbers (one with gaps), a related continuous one, and a category."""
    rng = np.random.default_rng(0)
    level = rng.normal(size=3000)
    rating = np.clip(np.round(3 + 1.2 * level + 0.4 * rng.normal(size=3000)), 1, 5)
    grade = np.clip(np.round(6 + 2 * level + 0.8 * rng.normal(size=3000)), 1, 10).astype(object)
    grade[rng.random(3000) < 0.2] = None
    income = np.exp(1.5 + 0.5 * level + 0.3 * rng.normal(size=3000)).round(3)
    colour = rng.choice(["red", "green", "blue"], size=3000)
    return pd.DataFrame({"rating": rating, "grade": grade, "income": income, "colour": colour})


def test_fitted_copula_brings_the_correlations_back_and_keeps_columns_and_gaps(related_table) -> None:
    plan = plan_table(related_table)
    family = plan.family
    generator = MarginalGenerator(family).eval()
    copula, independent, coupled = fit_copula(plan.validation, generator)
    assert copula is not None and [family.encoding.codes[i].name for i in copula.columns] == ["rating", "grade", "income"]
    assert independent > 0.5 and coupled < 0.1, (independent, coupled)

    plain = generate_rows(family, generator, 10_000, seed=1).frame
    coupled_rows = generate_rows(family, generator, 10_000, seed=1, copula=copula).frame
    columns = infer_columns(related_table)
    target = normal_score_correlations(to_typed(related_table, columns), ["rating", "grade", "income"])
    drawn = normal_score_correlations(to_typed(coupled_rows, columns), ["rating", "grade", "income"])
    assert np.abs(drawn - target).max() < 0.1
    assert np.abs(normal_score_correlations(to_typed(plain, columns), ["rating", "grade", "income"])[0, 1]) < 0.1
    for name in ("rating", "grade", "colour"):  # each column's values as before, gaps included
        before = plain[name].astype(str).value_counts(normalize=True)
        after = coupled_rows[name].astype(str).value_counts(normalize=True)
        assert before.sub(after, fill_value=0).abs().sum() < 0.05, name
    assert abs(coupled_rows["grade"].isna().mean() - 0.2) < 0.03


def test_no_copula_for_one_number_nor_for_numbers_the_model_relates_as_the_data_do() -> None:
    frame = pd.DataFrame({"size": np.arange(400) % 7, "kind": ["a", "b"] * 200})
    plan = plan_table(frame)
    assert fit_copula(plan.validation, MarginalGenerator(plan.family))[0] is None
    rng = np.random.default_rng(1)  # unrelated numbers: drawn independently, nothing is missed beyond chance
    frame = pd.DataFrame({"a": rng.integers(1, 6, 3000), "b": rng.normal(size=3000).round(4)})
    plan = plan_table(frame)
    assert fit_copula(plan.validation, MarginalGenerator(plan.family))[0] is None


def test_copula_survives_its_artifacts() -> None:
    copula = ResidualCopula([0, 2], np.array([[1.0, 0.6], [0.6, 1.0]]))
    again = ResidualCopula.from_artifacts(copula.artifacts())
    assert again.columns == [0, 2] and np.allclose(again.matrix, copula.matrix)
    assert ResidualCopula.from_artifacts({}) is None  # a run from before the copula


def test_calibration_stores_what_it_says_and_a_later_refusal_drops_an_earlier_copula(placements_run, tmp_path) -> None:
    best = tmp_path / "best.pt"
    shutil.copyfile(placements_run / "checkpoints" / "best.pt", best)
    said = calibrate_checkpoint(best, plan_table(read_table(PLACEMENTS)).validation)
    assert said.startswith("copula: ") and (load_run(best).copula is not None) == ("coupled" in said), said
    add_artifacts(best, ResidualCopula([0, 1], np.eye(2)).artifacts())
    add_artifacts(best, {}, drop=("copula_columns", "copula_matrix"))
    assert load_run(best).copula is None

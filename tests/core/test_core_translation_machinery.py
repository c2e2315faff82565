"""What the engine grew for translation: the pool of past fakes, learning rates that decay over
the end of the budget, and data given as a tuple of collections drawn side by side (resume with
a pool: tests/core/test_core_resume.py)."""

from __future__ import annotations

import pytest
import torch
from core_toy import RingFamily, quick_config, ring_data

from midigan.core.batches import batch_stream
from midigan.core.distributed import detect_world
from midigan.core.pool import FakePool
from midigan.core.runlog import read_metrics
from midigan.core.trainer import Trainer


def test_the_pool_hands_back_fresh_fakes_while_filling_then_swaps_about_half_row_for_row() -> None:
    torch.manual_seed(0)
    pool = FakePool(batches=2)
    first, second = torch.zeros(100, 3), torch.ones(100, 3)
    assert pool.exchange(first).eq(0).all() and pool.exchange(second).eq(1).all()
    judged = pool.exchange(torch.full((100, 3), 2.0))
    old = judged[:, 0] < 2
    assert 35 < int(old.sum()) < 65  # about half of the rows come from the past
    # a swapped row comes from the same row of a stored batch, and the fresh row takes its place
    assert set(judged[old, 0].tolist()) <= {0.0, 1.0}
    rows = old.nonzero().flatten()
    assert (pool.stored[:, rows, 0] == 2.0).sum(dim=0).eq(1).all()
    state = pool.state_dict()
    again = FakePool(batches=2)
    again.load_state_dict(state, torch.device("cpu"))
    assert torch.equal(again.stored, pool.stored) and again.filled == 2


def _learning_rates(run_dir) -> list[float]:
    return [record["lr"] for record in read_metrics(run_dir / "metrics.jsonl") if "lr" in record]


def test_learning_rates_hold_then_fall_linearly_to_zero_over_the_second_half(tmp_path) -> None:
    config = quick_config(tmp_path / "run", max_steps=20, log_every=1, lr_decay_start=0.5, d_lr=1e-3, g_lr=1e-3)
    Trainer(RingFamily(hidden=8), ring_data(64), config).fit()
    rates = _learning_rates(tmp_path / "run")
    expected = [1e-3 * min(1.0, (20 - step) / 10) for step in range(20)]  # the rate of step k+1 is set after k steps
    assert rates == pytest.approx(expected)


def test_a_tuple_of_collections_is_drawn_side_by_side_each_in_its_own_order() -> None:
    a, b = torch.arange(10).float()[:, None], 100 + torch.arange(7).float()[:, None]
    stream = batch_stream((a, b), 4, seed=0, world=detect_world(), device=torch.device("cpu"))
    seen_a, seen_b = [], []
    for k in range(7):  # 28 draws: every example of both, whole epochs of each
        batch_a, batch_b = stream.batch(k)
        assert batch_a.shape == batch_b.shape == (4, 1)
        seen_a += batch_a.flatten().tolist()
        seen_b += batch_b.flatten().tolist()
    assert sorted(seen_a[:10]) == list(range(10)) and sorted(seen_b[:7]) == list(range(100, 107))
    assert [value for value in stream.spread(5)[0].flatten().tolist()] == [0, 2, 4, 6, 8]

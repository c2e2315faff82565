"""The log says when the discriminator has won: a synthetic run whose generator cannot learn (its
learning rate is all but zero) against one whose generator keeps up."""

from __future__ import annotations

import numpy as np
import pytest
from core_toy import RingFamily, quick_config, ring_data

from midigan.core.dominance import WON_BELOW, DiscriminatorWatch, won_since
from midigan.core.plot import WON_SHADE, loss_curves_image
from midigan.core.runlog import read_metrics
from midigan.core.trainer import Trainer


def _run(run_dir, **overrides) -> tuple[list[dict], list[str]]:
    news: list[str] = []
    settings = dict(max_steps=200, log_every=10, checkpoint_every=100, d_won_steps=50, loss="ns", d_lr=2e-3)
    Trainer(RingFamily(hidden=32), ring_data(512), quick_config(run_dir, **{**settings, **overrides}), say=news.append).fit()
    return read_metrics(run_dir / "metrics.jsonl"), news


@pytest.mark.slow
def test_a_generator_that_cannot_learn_loses_and_the_log_and_plot_say_so(tmp_path) -> None:
    records, news = _run(tmp_path / "run", g_lr=1e-12)
    lines = [r for r in records if "losses" in r]
    won = [r["step"] for r in lines if r.get("d_won")]
    assert won and won[-1] == lines[-1]["step"]  # won, and still winning at the end
    start = won_since(records)
    assert all(r["d_fake"] < WON_BELOW for r in lines if r["step"] >= start)
    assert won[0] - start >= 50  # said only once D(fake) had stayed low for the sustained stretch
    assert [line for line in news if "D has won" in line] == [
        f"step {won[0]}: D has won: D(fake) under {WON_BELOW} since step {start}; the generator learns little from its verdicts now"]
    assert (tmp_path / "run" / "loss.png").is_file()
    plot = loss_curves_image(records)  # what loss.png shows
    shaded = np.all(plot == np.array(WON_SHADE, dtype=plot.dtype), axis=2)
    assert shaded.any(axis=0).sum() > 0.2 * plot.shape[1]  # a band over the won steps
    assert not shaded[:, : plot.shape[1] // 10].any()  # and none at the start

    resumed_dir = tmp_path / "halves"
    _run(resumed_dir, g_lr=1e-12, max_steps=won[0] + 30)
    records_again, news_again = _run(resumed_dir, g_lr=1e-12, resume=True)
    assert [r.get("d_won") for r in records_again if "losses" in r] == [r.get("d_won") for r in lines]
    assert not any("D has won" in line for line in news_again)  # the resumed run knew it already


def test_a_generator_that_keeps_up_gets_no_such_news(tmp_path) -> None:
    records, news = _run(tmp_path / "run", d_lr=2e-4)
    assert not any(r.get("d_won") for r in records) and not news and won_since(records) is None


def test_the_watch_counts_a_sustained_stretch_and_says_when_it_ends() -> None:
    watch = DiscriminatorWatch(sustained_steps=100)
    said = [watch.observe(step, d_fake) for step, d_fake in
            [(50, 0.3), (100, 0.01), (150, 0.02), (200, 0.2), (250, 0.01), (300, 0.01), (350, 0.04), (400, 0.3)]]
    assert said[:6] == [None] * 6  # the first stretch was broken off at 200
    assert said[6].startswith("step 350: D has won") and "since step 250" in said[6]
    assert said[7] == "step 400: D no longer wins (D(fake) 0.300)"
    assert watch.observe(450, None) is None and not watch.won  # pretraining lines carry no verdict

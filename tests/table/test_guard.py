"""The copy guard refuses rows equal to a rare training row and lets common patterns through, and
where a table's rows repeat, as many copies as new real rows hold."""

from __future__ import annotations

import numpy as np
import pytest
from support import MPG, PLACEMENTS, SHARED_DATA

from midigan.table.guard import K_ANONYMITY, CopyGuard, row_hashes
from midigan.table.kinds import infer_columns, to_typed
from midigan.table.reading import read_table


def test_rare_rows_are_refused_common_rows_pass_and_rounding_counts() -> None:
    frame = read_table(MPG)
    columns = infer_columns(frame)
    typed = to_typed(frame, columns)
    common = {name: np.repeat(values[:1], K_ANONYMITY) for name, values in typed.items()}  # one row, 5 times
    training = {name: np.concatenate([values, common[name]]) for name, values in typed.items()}
    guard = CopyGuard.from_rows(training, columns)
    probe = {name: values[[0, 1, 2]].copy() for name, values in typed.items()}
    probe["displ"][2] += 0.01  # written with one decimal: still the same row
    probe["cty"][1] += 1  # a different row
    assert list(guard.copies(probe, columns)) == [False, False, True]
    assert len(np.unique(row_hashes(typed, columns))) == len(frame.drop_duplicates())


def _fair_split():
    path = SHARED_DATA / "tables" / "fair.csv"
    if not path.exists():
        pytest.skip(f"{path} is not here (the shared data sits beside the checkout)")
    frame = read_table(path)
    order = np.random.default_rng(0).permutation(len(frame))
    cut = int(0.7 * len(frame))
    return frame.iloc[order[:cut]].reset_index(drop=True), frame.iloc[order[cut:]].reset_index(drop=True)


def test_where_rows_repeat_copies_go_through_as_often_as_in_new_real_rows_and_no_more() -> None:
    """fair.csv (a survey of few-valued answers): 19% of held-out rows equal a rare training row.
    Refusing every such generated row bent the columns; the guard lets that share through."""
    train, held_out = _fair_split()
    columns = infer_columns(train)
    guard = CopyGuard.from_rows(to_typed(train, columns), columns)
    unseen = to_typed(held_out, columns)
    equal = guard.copies(unseen, columns)
    assert 0.15 < equal.mean() < 0.25 and abs(guard.allowed_share - equal.mean()) < 0.03
    everyone = np.ones(len(equal), dtype=bool)
    rng = np.random.default_rng(0)
    assert guard.refused(equal, everyone, rng).mean() < 0.02  # new real rows pass (they were all refused)
    memorised = to_typed(train, columns)  # a model handing back the training rows
    equal = guard.copies(memorised, columns)
    kept = ~guard.refused(equal, np.ones(len(equal), dtype=bool), rng)
    assert equal.mean() > 0.5 and (equal & kept).sum() / kept.sum() < guard.allowed_share + 0.01
    same = CopyGuard.from_artifacts(guard.artifacts())
    assert same.allowed_share == guard.allowed_share and np.array_equal(same.rare_hashes, guard.rare_hashes)


def test_where_rows_are_distinct_every_copy_is_refused_as_in_runs_from_before() -> None:
    frame = read_table(PLACEMENTS)
    columns = infer_columns(frame)
    typed = to_typed(frame, columns)
    guard = CopyGuard.from_rows(typed, columns)
    equal = guard.copies(typed, columns)
    assert guard.allowed_share == 0 and equal.all()
    assert guard.refused(equal, np.ones(len(equal), dtype=bool), np.random.default_rng(0)).all()
    before = {"rare_row_hashes": guard.artifacts()["rare_row_hashes"]}
    assert CopyGuard.from_artifacts(before).allowed_share == 0

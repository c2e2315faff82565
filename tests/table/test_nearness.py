"""The near-copy guard refuses training rows nudged a little, rarely refuses real rows it never
saw, and stands aside where real rows crowd each other."""

from __future__ import annotations

import numpy as np
import pandas as pd
from support import PLACEMENTS

from midigan.table.encoding import TableEncoding
from midigan.table.kinds import infer_columns, to_typed
from midigan.table.nearness import FALSE_ALARMS, NearCopyGuard
from midigan.table.reading import read_table


def _encoded(frame: pd.DataFrame, columns=None):
    columns = columns or infer_columns(frame)
    typed = to_typed(frame, columns)
    return columns, typed


def test_nudged_training_rows_are_refused_and_unseen_real_rows_mostly_pass() -> None:
    frame = read_table(PLACEMENTS)
    order = np.random.default_rng(0).permutation(len(frame))  # the calibration assumes rows in no order
    train, held_out = frame.iloc[order[:150]].reset_index(drop=True), frame.iloc[order[150:]].reset_index(drop=True)
    columns, typed = _encoded(train)
    encoding = TableEncoding.fit(typed, columns)
    data = encoding.encode(typed)
    guard = NearCopyGuard.fit(encoding, data)
    assert guard is not None and guard.false_alarms <= FALSE_ALARMS
    n_states = len(encoding.codes)
    nudged = data.copy()
    nudged[:, n_states:] += np.random.default_rng(0).normal(0, 0.02, nudged[:, n_states:].shape) * (nudged[:, n_states:] != 0)
    assert guard.near_copies(encoding, nudged[:, :n_states], nudged[:, n_states:]).mean() > 0.9
    unseen = encoding.encode(to_typed(held_out, columns))
    assert guard.near_copies(encoding, unseen[:, :n_states], unseen[:, n_states:]).mean() <= 0.1  # 65 rows: rough
    same = NearCopyGuard.from_artifacts(guard.artifacts())
    assert same.cells == guard.cells and np.array_equal(same.rare_hashes, guard.rare_hashes)


def test_no_near_guard_where_real_rows_crowd_each_other() -> None:
    """One number of 3,000 values: at any slicing, a real row often shares a slice with another."""
    frame = pd.DataFrame({"reading": np.random.default_rng(1).normal(size=3000)})
    columns, typed = _encoded(frame)
    encoding = TableEncoding.fit(typed, columns)
    assert NearCopyGuard.fit(encoding, encoding.encode(typed)) is None


def test_a_table_of_one_category_has_no_near_copies_and_guards_from_before_keep_their_hashing() -> None:
    """Hashing 1 XORed the grid onto the states' hash: state a on grid b hashed as state b on grid a."""
    frame = pd.DataFrame({"c": ["a"] * 30 + ["b"] * 26 + [None] * 4})
    columns, typed = _encoded(frame)
    encoding = TableEncoding.fit(typed, columns)
    data = encoding.encode(typed)
    n_states = len(encoding.codes)
    guard = NearCopyGuard.fit(encoding, data)
    refused = guard.near_copies(encoding, data[:, :n_states], data[:, n_states:])
    assert not refused[:56].any() and refused[56:].all()  # a or b: common patterns; the 4 gaps: a rare cell
    before = {name: tensor for name, tensor in guard.artifacts().items() if name != "near_hashing"}
    assert NearCopyGuard.from_artifacts(before).hashing == 1

"""The copy guard refuses rows equal to a rare training row and lets common patterns through."""

from __future__ import annotations

import numpy as np
from support import MPG

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

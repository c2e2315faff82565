"""Rows to states and scores and back: exact for states, inside the training range for numbers,
and no dense blow-up for a category of thousands of values."""

from __future__ import annotations

import numpy as np
import pandas as pd
from support import PLACEMENTS

from midigan.table.encoding import MAX_STATES, TableEncoding
from midigan.table.family import TableFamily
from midigan.table.kinds import infer_columns, to_typed
from midigan.table.reading import read_table


def encoded(frame: pd.DataFrame):
    columns = infer_columns(frame)
    typed = to_typed(frame, columns)
    encoding = TableEncoding.fit(typed, columns)
    return encoding, typed, encoding.encode(typed)


def test_states_round_trip_exactly_and_numbers_stay_in_range() -> None:
    encoding, typed, matrix = encoded(read_table(PLACEMENTS))
    states, scores = matrix[:, : len(encoding.codes)].astype(int), matrix[:, len(encoding.codes) :]
    back = encoding.decode(states, scores, np.random.default_rng(0))
    for code in encoding.codes:
        original, again = typed[code.name], back[code.name]
        if not code.numeric:
            assert list(original) == list(again), code.name
            continue
        np.testing.assert_array_equal(np.isnan(original), np.isnan(again), err_msg=code.name)  # gaps where they were
        if not code.continuous:
            np.testing.assert_array_equal(original, again, err_msg=code.name)
    # scores far outside anything seen still decode inside the training range
    salary = next(code for code in encoding.codes if code.name == "salary")
    extreme = salary.from_scores(np.array([-40.0, 0.0, 40.0], dtype=np.float32))
    assert extreme[0] == min(salary.knots) and extreme[2] == max(salary.knots) and 20000 <= extreme[1] <= 94000


def test_a_category_of_thousands_of_values_costs_a_bounded_width() -> None:
    rng = np.random.default_rng(0)
    frame = read_table(PLACEMENTS).sample(5000, replace=True, random_state=0).reset_index(drop=True)
    frame["postcode"] = [f"P{value}" for value in rng.zipf(1.05, len(frame)) % 20000]
    encoding, typed, matrix = encoded(frame)
    postcode = next(code for code in encoding.codes if code.name == "postcode")
    assert typed["postcode"].size == 5000 and len(set(typed["postcode"])) > 1000
    assert postcode.n_states == MAX_STATES + 1 and postcode.other  # the rest share "other"
    assert matrix.shape[1] == len(encoding.codes) + len(encoding.scalar_columns)  # one code per column, not one-hot
    others = matrix[:, encoding.codes.index(postcode)] == postcode.other_state
    drawn = encoding.decode(matrix[:, : len(encoding.codes)].astype(int), matrix[:, len(encoding.codes) :], rng)["postcode"]
    assert set(drawn[others]) <= set(postcode.tail_values)  # "other" comes back as real rare values


def test_family_turns_codes_into_packed_one_hot_rows() -> None:
    encoding, typed, matrix = encoded(read_table(PLACEMENTS))
    family = TableFamily(encoding)
    import torch

    batch = torch.from_numpy(matrix[:20])
    packed = family.real_input(batch)
    assert packed.shape == (2, 10, family.row_width + family.scalar_count)
    one_hot = packed.reshape(20, -1)[:, : family.row_width]
    assert torch.equal(one_hot.sum(dim=1), torch.full((20,), float(len(encoding.codes))))
    rebuilt = TableFamily.from_config(family.config())
    assert rebuilt.config() == family.config()

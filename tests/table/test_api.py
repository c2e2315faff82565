"""The notebook API: fit, sample, save, load, pandas in and out."""

from __future__ import annotations

import pandas as pd
import pytest
from support import PLACEMENTS

from midigan.table import TableGAN
from midigan.table.errors import TableError
from midigan.table.reading import read_table

pytestmark = pytest.mark.slow


def test_fit_sample_save_load(tmp_path) -> None:
    frame = read_table(PLACEMENTS)
    frame["start_date"] = pd.to_datetime(frame["start_date"])  # typed columns come back typed
    model = TableGAN(max_steps=30, batch_size=100, seed=3, device="cpu").fit(frame)
    rows = model.sample(40, seed=2)
    assert list(rows.columns) == list(frame.columns) and len(rows) == 40
    assert pd.api.types.is_datetime64_any_dtype(rows["start_date"]) and pd.api.types.is_bool_dtype(rows["placed"])
    assert {column.name: column.kind for column in model.columns}["student_id"] == "id"
    placed = model.sample(20, where={"placed": True})
    assert placed["placed"].all()
    model.save(tmp_path / "model.pt")
    again = TableGAN.load(tmp_path / "model.pt")
    pd.testing.assert_frame_equal(again.sample(40, seed=2), rows)
    with pytest.raises(RuntimeError, match="not fitted"):
        TableGAN().sample(3)


def test_integer_column_names_come_back_and_counts_and_inputs_are_checked() -> None:
    frame = read_table(PLACEMENTS)[["gender", "second_perc", "placed"]].set_axis([0, 1, 2], axis=1)
    frame = frame.astype({0: "category", 1: "float32"})  # a notebook's dtypes come back where the values fit them
    model = TableGAN(max_steps=10, batch_size=100).fit(frame)
    rows = model.sample(5)
    assert list(rows.columns) == [0, 1, 2] and (rows.dtypes[[0, 1]] == frame.dtypes[[0, 1]]).all()
    empty = model.sample(0)
    assert empty.shape == (0, 3) and list(empty.columns) == [0, 1, 2]
    with pytest.raises(TableError, match="whole number"):
        model.sample(-1)
    with pytest.raises(TypeError, match="a pandas DataFrame"):
        TableGAN().fit(frame.to_numpy())


def test_int64_and_bool_columns_come_back_so_and_nullable_only_where_the_frame_had_gaps() -> None:
    frame = read_table(PLACEMENTS)[["experience_years", "placed", "second_perc"]]
    frame["patchy_years"] = frame["experience_years"].astype("Int64").mask(frame.index % 4 == 0)
    frame["patchy_placed"] = frame["placed"].astype("boolean").mask(frame.index % 4 == 0)
    rows = TableGAN(max_steps=10, batch_size=100).fit(frame).sample(60)
    assert rows.dtypes.astype(str).to_dict() == {
        "experience_years": "int64",
        "placed": "bool",
        "second_perc": "float64",
        "patchy_years": "Int64",
        "patchy_placed": "boolean",
    }

"""Tables the project never saw, as a new user brings them (R's datasets, statsmodels', spreadsheets):
what each taught the reader, kind inference and the commands."""

from __future__ import annotations

import numpy as np
import pandas as pd

from midigan.table.kinds import infer_columns, to_typed
from midigan.table.reading import read_table
from midigan.table.written import from_typed


def test_a_category_named_none_is_a_value_and_none_among_numbers_a_gap(tmp_path) -> None:
    """Cars93's AirBags (None, Driver only, Driver & Passenger) came back 37% missing, written empty."""
    path = tmp_path / "cars.csv"
    airbags = ["None", "Driver only", "Driver & Passenger", "NA"] * 5
    luggage = ["11", "None", "15", "14"] * 5  # numbers whose gaps a str() wrote
    path.write_text("airbags,luggage\n" + "".join(f'"{a}",{b}\n' for a, b in zip(airbags, luggage, strict=True)))
    frame = read_table(path)
    columns = {column.name: column for column in infer_columns(frame)}
    assert columns["airbags"].kind == "category" and columns["airbags"].missing == 0.25  # R's NA is still a gap
    assert columns["luggage"].kind == "integer" and columns["luggage"].missing_mark == "None"
    typed = to_typed(frame, list(columns.values()))
    assert typed["airbags"][0] == "None" and typed["airbags"][3] is None and np.isnan(typed["luggage"][1])
    written = from_typed(typed, list(columns.values()), len(frame))
    assert written["airbags"][0] == "None" and written["luggage"][1] == "None" and pd.isna(written["airbags"][3])

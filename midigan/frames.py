"""What the table and series families share about reading and writing numbers (in CSVs, and figures in JSON)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd


def _exact_float_option() -> dict[str, str]:
    """`read_csv` settings that read every number exactly as written: before pandas 3.1 the default
    parser could miss by a last digit (a generated series written and read back differed on 3.0.6)
    unless asked for "round_trip"; 3.1 always parses exactly and deprecates asking."""
    major, minor = (int(part) for part in re.match(r"(\d+)\.(\d+)", pd.__version__).groups())
    return {"float_precision": "round_trip"} if (major, minor) < (3, 1) else {}


#: `pd.read_csv(..., **EXACT_FLOATS)`
EXACT_FLOATS = _exact_float_option()
#: pandas' name for a column a CSV's header leaves blank
BLANK_HEADER = re.compile(r"^Unnamed: \d+$")
#: a first column of blank header: where `frame.to_csv(path)` saves the row index
SAVED_INDEX = "Unnamed: 0"


#: how far a value times 10**decimals may lie from a whole number and still be written in those decimals:
#: this much, where the column's scaled values reach 1 (a difference of two prices read in cents carries the
#: prices' error, 1e-12 at 1e4), else this share of the largest (currents of 3e-7 A are no whole numbers),
#: and never more than a thousandth of the smallest value that is not 0 (a p-value of 1e-8 among 0.03s) ...
ABSOLUTE_TOLERANCE = 1e-6
#: ... and this share of the value itself, about two of a float's steps (sums of 1e12 with cents)
RELATIVE_TOLERANCE = 4e-16


def fewest_decimals(values: np.ndarray, most: int) -> int | None:
    """The fewest decimals, up to `most`, that write every one of `values` as read (None: more than
    `most`); a number written back in them reads as the data's numbers do (7.2, not 7.15647065312338)."""
    values = np.abs(np.asarray(values, dtype=np.float64))
    nonzero = values[values > 0]
    for decimals in range(most + 1):
        scaled = values * 10.0**decimals
        smallest = float(nonzero.min()) * 10.0**decimals if len(nonzero) else 0.0
        reach = min(1.0, float(scaled.max()) if len(scaled) else 0.0, 1e-3 * smallest)
        if np.all(np.abs(scaled - np.round(scaled)) <= ABSOLUTE_TOLERANCE * reach + RELATIVE_TOLERANCE * scaled):
            return decimals
    return None


def number_text(value: float) -> str:
    """A finite number as a CSV cell: a whole one as one (1994, not 1994.0: a year or a count reads as
    written), any other in Python's shortest form that reads back exactly."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def json_text(value) -> str:
    """`value` as indented JSON with a figure that is not a number (NaN, an infinity) as null: JSON
    has no NaN, and `json.dumps` writes one that strict parsers (jq, JavaScript's JSON.parse) refuse."""
    import json
    import math

    def finite(item):
        if isinstance(item, float) and not math.isfinite(item):
            return None
        if isinstance(item, dict):
            return {key: finite(inner) for key, inner in item.items()}
        if isinstance(item, (list, tuple)):
            return [finite(inner) for inner in item]
        return item

    return json.dumps(finite(value), indent=2, allow_nan=False) + "\n"


def as_float64(values: np.ndarray) -> np.ndarray:
    """`values` as float64; float32 and float16 ones as the shortest decimals that read back as them
    (6.9, not 6.899999618530273), so that their decimals, grid and written values are the ones the
    data's float type holds, not its binary error. Found by rounding to 1, 2 ... 9 significant digits
    until the value reads back (what `str` gives, at a third of its time and none of its text)."""
    values = np.asarray(values)
    if values.dtype not in (np.float32, np.float16):
        return values.astype(np.float64)
    narrow, wide = values.ravel(), values.astype(np.float64).ravel()
    out, pending = wide.copy(), np.isfinite(wide) & (wide != 0)
    exponent = np.zeros(wide.shape)
    exponent[pending] = np.floor(np.log10(np.abs(wide[pending])))
    for digits in range(1, 10):  # float32 needs at most 9
        where = np.flatnonzero(pending)
        if not len(where):
            break
        shift = digits - 1 - exponent[where]
        power = 10.0 ** np.abs(shift)  # exact: dividing or multiplying by it rounds once
        rounded = np.where(shift >= 0, np.round(wide[where] * power) / power, np.round(wide[where] / power) * power)
        back = rounded.astype(values.dtype) == narrow[where]
        out[where[back]] = rounded[back]
        pending[where[back]] = False
    return out.reshape(values.shape)


def column_numbers(column: pd.Series) -> np.ndarray:
    """A numeric column's values as float64, gaps NaN; a float32 or float16 one (numpy's or pandas'
    Float32) read as `as_float64` reads them."""
    kind = str(column.dtype).lower()
    if kind in ("float32", "float16"):
        return as_float64(column.to_numpy(dtype=kind, na_value=np.nan))
    return column.to_numpy(dtype=np.float64, na_value=np.nan)

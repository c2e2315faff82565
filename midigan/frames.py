"""What the table and series families share about reading and writing numbers in CSVs."""

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


#: how far, in units in the last place of a value times 10**decimals, it may lie from a whole number and still be
#: written in those decimals: a number read from text is the nearest float to it, and scaling it rounds once more
#: (at most 1 apart, tried on decimals of 0 to 8 places from 1e-8 to 1e15)
DECIMALS_ULPS = 2


def fewest_decimals(values: np.ndarray, most: int) -> int | None:
    """The fewest decimals, up to `most`, that write every one of `values` as read (None: more than
    `most`); a number written back in them reads as the data's numbers do (7.2, not 7.15647065312338).
    The tolerance is a float's precision at each value's magnitude (`DECIMALS_ULPS`), not a fixed
    amount: currents of 3e-7 A are no whole numbers, nor are sums of 1e12 with cents."""
    values = np.asarray(values, dtype=np.float64)
    for decimals in range(most + 1):
        scaled = values * 10.0**decimals
        if np.all(np.abs(scaled - np.round(scaled)) <= DECIMALS_ULPS * np.spacing(np.abs(scaled))):
            return decimals
    return None


def number_text(value: float) -> str:
    """A finite number as a CSV cell: a whole one as one (1994, not 1994.0: a year or a count reads as
    written), any other in Python's shortest form that reads back exactly."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))

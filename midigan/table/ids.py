"""Which columns are IDs (written fresh, never modelled), read from a column's name and its values.

Why apart from `kinds`: the rule weighs names against values both ways. A name like an ID (id,
customer_id, orderKey) makes mostly distinct values an ID; without one, text values that are each
distinct, short, spaceless and with digits are (plates, order codes), unless the name says they
are time periods: a yearly table's year labels (FY85, 1985-86, '85) are as distinct per row, but
they are the values to model (they were written back as fresh "IDs" FY100, FY101, ...). Whole
numbers are an ID only by name (`kinds`), so years written as numbers (85, 86, ..., 00) never were.
"""

from __future__ import annotations

import re

import pandas as pd

ID_NAME = re.compile(r"(?:^|[_\-\s.])(id|uuid|guid|key)$|^(id|uuid|guid)(?:$|[_\-\s.])", re.IGNORECASE)
ID_CAMEL = re.compile(r"[a-z](Id|ID)$")
PERIOD_NAME = re.compile(r"(?:^|[_\-\s.])(year|yr|fy|season|quarter|qtr|period|month)s?$", re.IGNORECASE)
PERIOD_CAMEL = re.compile(r"[a-z](Year|Season|Quarter|Period|Month)s?$")


def named_like_id(name: str) -> bool:
    return bool(ID_NAME.search(name) or ID_CAMEL.search(name))


def named_like_period(name: str) -> bool:
    return bool(PERIOD_NAME.search(name) or PERIOD_CAMEL.search(name))


def looks_like_id(name: str, text: pd.Series, distinct: int) -> bool:
    """Named like an ID and mostly distinct, or every value distinct, short, spaceless and with
    digits in a column not named like a time period."""
    if named_like_id(name) and (distinct >= 0.5 * len(text) or distinct >= 100):
        return True
    if named_like_period(name):
        return False
    return distinct == len(text) and len(text) >= 20 and not text.str.contains(r"\s").any() and text.str.contains(r"\d").all()

"""The one exception the table package raises for bad input: its message is one line a CLI prints as it is."""

from __future__ import annotations


class TableError(ValueError):
    """A table cannot be read, understood or generated from (unreadable file, unknown column, ...)."""

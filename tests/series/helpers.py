"""What the series tests share: the sample data and running `midigan` commands in-process."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result
from support import one_line_error

from midigan.cli import main

__all__ = ["DATA", "SHARED", "one_line_error", "run"]

DATA = Path(__file__).resolve().parents[2] / "data" / "series"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "series"


def run(*arguments) -> Result:
    return CliRunner().invoke(main, list(map(str, arguments)))

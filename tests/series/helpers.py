"""What the series tests share: the sample data and running `midigan` commands in-process."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from midigan.cli import main

DATA = Path(__file__).resolve().parents[2] / "data" / "series"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "series"


def run(*arguments) -> Result:
    return CliRunner().invoke(main, list(map(str, arguments)))


def one_line_error(result: Result) -> str:
    """The error a command printed, checked to be one line and no traceback."""
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]

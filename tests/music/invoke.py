"""`midigan` commands as the music tests run them: in this process, arguments as strings."""

from __future__ import annotations

from click.testing import CliRunner, Result

from midigan.cli import main


def run(*arguments) -> Result:
    return CliRunner().invoke(main, list(map(str, arguments)))

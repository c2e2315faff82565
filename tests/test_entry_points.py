"""The two console commands: help, version, and a start-up that never pays for torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from midigan import __version__

HELP_WITHOUT_HEAVY_IMPORTS = """
import sys
from {package}.cli import main
try:
    main(["--help"])
except SystemExit as done:
    assert done.code == 0, done.code
heavy = sorted(m for m in ("torch", "numpy", "mido", "pretty_midi", "PIL") if m in sys.modules)
print("HEAVY:" + ",".join(heavy))
"""


@pytest.mark.parametrize(
    "package, commands",
    [
        ("midigan", ["prepare", "info", "train", "generate", "evaluate", "render"]),
        ("imagegan", ["train", "generate", "evaluate"]),
    ],
)
def test_help_lists_every_command_without_importing_heavy_libraries(package: str, commands: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", HELP_WITHOUT_HEAVY_IMPORTS.format(package=package)],
        capture_output=True, text=True, check=True,
    )
    for command in commands:
        assert f"  {command}" in done.stdout, f"{command} missing from {package} --help"
    assert done.stdout.strip().endswith("HEAVY:"), done.stdout.splitlines()[-1]


@pytest.mark.parametrize("command", ["midigan", "imagegan"])
def test_version(command: str) -> None:
    executable = Path(sys.executable).with_name(command)  # the venv's console script
    done = subprocess.run([str(executable), "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == f"{command}, version {__version__}"


@pytest.mark.parametrize("arguments, message", [
    (["midigan", "train", "pyproject.toml"], "Error: Invalid value for 'SONGS_DIR': Directory 'pyproject.toml' is a file."
                                             " (see 'midigan train --help')"),
    (["midigan", "table", "train", "tests"], "Error: Invalid value for 'TABLE': File 'tests' is a directory."
                                             " (see 'midigan table train --help')"),
    (["midigan", "bogus"], "Error: No such command 'bogus'. (see 'midigan --help')"),
    (["imagegan", "train"], "Error: Missing argument 'IMAGES_DIR'. (see 'imagegan train --help')"),
])
def test_a_usage_error_is_one_line_with_the_hint_and_click_s_exit_status(arguments: list[str], message: str) -> None:
    executable = Path(sys.executable).with_name(arguments[0])
    done = subprocess.run([str(executable), *arguments[1:]], capture_output=True, text=True, cwd=Path(__file__).parents[1])
    assert done.returncode == 2 and done.stderr.strip() == message and not done.stdout, done.stderr


def test_a_group_named_alone_shows_its_help() -> None:
    done = subprocess.run([str(Path(sys.executable).with_name("midigan")), "table"], capture_output=True, text=True)
    assert done.stderr.startswith("Usage: midigan table") and "Commands:" in done.stderr and "Error" not in done.stderr  # click's own

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

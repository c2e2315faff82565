"""A running studio for the tests: runs of every kind in its runs folder, served in this process."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import DATA

pytest.importorskip("gradio", reason="the studio extra is not installed: pip install -e '.[studio]'")



def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def runs(tmp_path_factory) -> Path:
    """A runs folder with a tiny melody run, a tiny imagegan run and a tiny tune transfer run."""
    from imagegan.cli import main as imagegan
    from midigan.cli import main as midigan
    root = tmp_path_factory.mktemp("studio") / "runs"
    tunes = CliRunner().invoke(midigan, ["train", str(DATA / "midi" / "folk"), "--run-dir", str(root / "folk-1"),
                                         "--max-steps", "4", "--pretrain-steps", "2", "--window", "16", "--hidden", "16",
                                         "--eval-every", "2", "--sample-every", "2", "--quiet"])
    assert tunes.exit_code == 0, tunes.output
    images = CliRunner().invoke(imagegan, ["train", str(DATA / "images"), "--size", "32", "--max-steps", "2", "--batch-size",
                                           "16", "--width", "8", "--run-dir", str(root / "digits-1"), "--device", "cpu"])
    assert images.exit_code == 0, images.output
    sides = tmp_path_factory.mktemp("sides")
    for side, prefix in (("erk", "essen_erk"), ("han", "essen_han")):
        (sides / side).mkdir()
        for path in (DATA / "midi" / "folk").glob(f"{prefix}*.mid"):
            (sides / side / path.name).symlink_to(path)
    transfer = CliRunner().invoke(midigan, ["transfer", "train", str(sides / "erk"), str(sides / "han"), "--run-dir",
                                            str(root / "erk-to-han-1"), "--max-steps", "2", "--hidden", "16",
                                            "--batch-size", "4", "--device", "cpu", "--quiet"])
    assert transfer.exit_code == 0, transfer.output
    return root


@pytest.fixture(scope="session")
def scratch(tmp_path_factory) -> Path:
    """The served studio's scratch folder."""
    return tmp_path_factory.mktemp("scratch")


@pytest.fixture(scope="session")
def studio_url(runs: Path, scratch: Path):
    """The studio's address, served on a free local port until the session ends."""
    from midigan.studio.actions import Studio
    from midigan.studio.app import launch

    port = _free_port()
    page = launch(Studio(runs, scratch), "folk", "127.0.0.1", port, block=False)
    yield f"http://127.0.0.1:{port}/"
    page.close()

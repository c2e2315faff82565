"""One torch thread for every music test (the test machine's cores are shared, and these models
are too small to gain), and a scratch folder for the tests that run commands."""

from pathlib import Path

import pytest
import torch


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)


@pytest.fixture
def in_scratch_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test runs in its own folder (so ./runs starts empty) with its own dataset cache."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path

"""One torch thread for every series test, and a scratch folder for those running commands."""

from pathlib import Path

import pytest
import torch


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)


@pytest.fixture
def in_scratch_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test runs in its own folder, so ./runs starts empty."""
    monkeypatch.chdir(tmp_path)
    return tmp_path

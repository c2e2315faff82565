"""One torch thread: the test machine's cores are shared, and these models are too small to gain."""

import pytest
import torch


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)

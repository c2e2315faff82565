"""Checkpoints survive SIGKILL mid-write, refuse code-running pickles, and name their family."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import pytest
import torch
from core_toy import RingFamily

from midigan.core.checkpoint import FORMAT, VERSION, load_checkpoint, load_generator, save_checkpoint
from midigan.core.errors import CheckpointError

WRITER = textwrap.dedent(
    """
    import sys, torch
    from midigan.core.checkpoint import FORMAT, VERSION, save_checkpoint
    path = sys.argv[1]
    i = 0
    while True:
        i += 1
        save_checkpoint({"format": FORMAT, "version": VERSION, "i": i, "w": torch.full((4_000_000,), float(i))}, path)
    """
)


def test_sigkill_during_writes_leaves_a_loadable_checkpoint(tmp_path):
    path = tmp_path / "checkpoints" / "last.pt"
    rng = random.Random(0)
    seen = []
    for _ in range(3):
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)])
        try:
            deadline = time.monotonic() + 60
            while not path.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(rng.uniform(0.05, 0.6))
        finally:
            writer.send_signal(signal.SIGKILL)
            writer.wait()
        checkpoint = load_checkpoint(path)
        assert torch.equal(checkpoint["w"], torch.full((4_000_000,), float(checkpoint["i"])))
        seen.append(checkpoint["i"])
    assert max(seen) > 1  # the kills did land while later checkpoints were being written


def test_saving_clears_temporaries_of_killed_writers_only(tmp_path):
    path = tmp_path / "last.pt"
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()  # its PID now names no process, as after a SIGKILL mid-write
    orphan, live = path.with_name(f".last.pt.tmp-{finished.pid}"), path.with_name(f".last.pt.tmp-{os.getppid()}")
    orphan.write_bytes(b"half a checkpoint")
    live.write_bytes(b"being written by a running process")
    save_checkpoint({"format": FORMAT, "version": VERSION}, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [live.name, "last.pt"]


class RunsCode:
    """Unpickling this would call os.system: a weights_only reader must refuse it."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_checkpoint_holding_code_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    torch.save({"format": FORMAT, "version": VERSION, "payload": RunsCode(marker)}, path)
    with pytest.raises(CheckpointError, match="could run code"):
        load_checkpoint(path)
    assert not marker.exists()


@pytest.mark.parametrize(
    "content, message",
    [(None, "no checkpoint"), (b"not a torch file", "not a PyTorch checkpoint"), ({"weights": torch.ones(2)}, "not a midigan checkpoint")],
)
def test_unusable_files_give_one_line_errors(tmp_path, content, message):
    path = tmp_path / "last.pt"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        torch.save(content, path)
    with pytest.raises(CheckpointError, match=message) as error:
        load_checkpoint(path)
    assert "\n" not in str(error.value)


def test_truncated_checkpoint_is_reported_as_damaged(tmp_path):
    path = tmp_path / "last.pt"
    save_checkpoint({"format": FORMAT, "version": VERSION, "w": torch.arange(100_000.0)}, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] + data[-2000:])
    with pytest.raises(CheckpointError):
        load_checkpoint(path)


class OtherFamily(RingFamily):
    name = "other"


def test_load_generator_refuses_another_family(trained_ring_run):
    family, generator = load_generator(trained_ring_run, RingFamily)
    assert not generator.training and family.config() == RingFamily(hidden=16).config()
    with pytest.raises(CheckpointError, match="is a ring checkpoint, not a other model"):
        load_generator(trained_ring_run, OtherFamily)

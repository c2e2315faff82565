"""Two CPU processes under torchrun (gloo) train in lockstep; only rank 0 writes the run folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import torch
from core_toy import RingFamily, quick_config, ring_data

from midigan.core.checkpoint import load_checkpoint
from midigan.core.errors import TrainingError
from midigan.core.trainer import Trainer

SCRIPT = Path(__file__).with_name("core_ddp_script.py")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("torchrun") is None and not Path(sys.executable).with_name("torchrun").exists(), reason="no torchrun")
def test_two_process_gloo_run_keeps_replicas_identical(tmp_path):
    torchrun = shutil.which("torchrun") or str(Path(sys.executable).with_name("torchrun"))
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SCRIPT.parent), os.environ.get("PYTHONPATH", "")]), OMP_NUM_THREADS="1")
    for _attempt in range(2):
        shutil.rmtree(tmp_path / "run", ignore_errors=True)
        completed = subprocess.run(
            [torchrun, "--standalone", "--nproc_per_node", "2", str(SCRIPT), str(tmp_path / "run")],
            capture_output=True, text=True, env=environment, timeout=120,
        )
        # About one fresh CI run in three, a gloo worker dies of SIGABRT (exit code -6) right after
        # a clean run; not reproduced outside CI yet, so that one failure earns a second launch,
        # and its message is kept as a warning (shown in pytest's summary) to find the cause.
        if completed.returncode == 0 or "exitcode  : -6" not in completed.stderr:
            break
        warnings.warn(f"gloo worker aborted, launching again; its stderr: {completed.stderr[:6000]}", stacklevel=1)
    assert completed.returncode == 0, completed.stderr[:3000]
    reports = [(tmp_path / f"run-rank{rank}.txt").read_text() for rank in (0, 1)]
    assert reports[0].startswith("step 6 fingerprint ") and reports[0] == reports[1], reports
    assert load_checkpoint(tmp_path / "run" / "checkpoints" / "last.pt")["step"] == 6
    assert (tmp_path / "run" / "samples" / "step-000006.pt").exists()


def test_a_replica_without_a_gpu_of_its_own_stops_with_one_line(tmp_path, monkeypatch):
    """torchrun with two processes on a one-GPU machine: the second says what to do, not 'invalid device ordinal'."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    for name, value in {"RANK": "1", "WORLD_SIZE": "2", "LOCAL_RANK": "1"}.items():
        monkeypatch.setenv(name, value)
    trainer = Trainer(RingFamily(hidden=8), ring_data(64), quick_config(tmp_path / "run", max_steps=1, device="cuda"))
    with pytest.raises(TrainingError, match=r"^replica 1 of this machine has no GPU of its own \(it has 1\): .*--device cpu\)$"):
        trainer.fit()

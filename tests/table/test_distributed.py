"""`torchrun --nproc_per_node 2 -m midigan table train` (gloo, CPU): two replicas, one run folder, rows from it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import MPG

from midigan.core.checkpoint import load_checkpoint
from midigan.table.api import load_run
from midigan.table.reading import read_table

TORCHRUN = shutil.which("torchrun") or str(Path(sys.executable).with_name("torchrun"))


@pytest.mark.slow
@pytest.mark.skipif(not Path(TORCHRUN).exists(), reason="no torchrun")
def test_two_process_table_run_writes_one_run_folder(tmp_path: Path) -> None:
    run = tmp_path / "run"
    command = [TORCHRUN, "--standalone", "--nproc_per_node", "2", "-m", "midigan", "table", "train", str(MPG), "--run-dir", str(run),
               "--device", "cpu", "--max-steps", "30", "--pretrain-steps", "20", "--batch-size", "100", "--eval-every", "10", "--quiet"]
    for _attempt in range(2):  # a gloo worker sometimes aborts (-6) after a clean run: see tests/core/test_core_distributed.py
        shutil.rmtree(run, ignore_errors=True)
        done = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS="1"), timeout=240)
        if done.returncode == 0 or "exitcode  : -6" not in done.stderr:
            break
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads((run / "config.json").read_text())["world_size"] == 2
    assert load_checkpoint(run / "checkpoints" / "last.pt")["step"] == 30
    assert done.stdout.count("training into") == 1  # only rank 0 speaks
    rows = load_run(run).generate(50, seed=1).frame
    assert len(rows) == 50 and list(rows.columns) == list(read_table(MPG).columns)

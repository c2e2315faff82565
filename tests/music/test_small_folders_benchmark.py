"""benchmarks/small_folders.py, where a run can leave less than the benchmark reads."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from support import ROOT


def _benchmark(monkeypatch):
    """The script as a module (registered, as its dataclasses need)."""
    spec = importlib.util.spec_from_file_location("small_folders", ROOT / "benchmarks" / "small_folders.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "small_folders", module)
    monkeypatch.setattr(sys, "path", list(sys.path))  # it puts examples/ on the path
    spec.loader.exec_module(module)
    return module


def test_unbalanced_skips_a_run_without_best_pt_in_one_line(tmp_path: Path, capsys, monkeypatch) -> None:
    """A run stopped before its first validation has no best.pt: --unbalanced ended in FileNotFoundError."""
    benchmark = _benchmark(monkeypatch)
    benchmark.WORK = tmp_path
    (tmp_path / "han-24-40" / "run-scratch" / "checkpoints").mkdir(parents=True)
    assert benchmark.unbalanced(benchmark.FOLDERS[2], "scratch") is None
    said = capsys.readouterr().out.splitlines()
    assert len(said) == 1 and "han-24-40" in said[0] and "scratch" in said[0] and "no checkpoints/best.pt" in said[0], said

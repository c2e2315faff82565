"""Record the behaviour a refactor must keep: generated MIDI bytes from the shipped models, a short
melody and parts training run's metrics, a short imagegan run's weights, and the weights that the
runs written by checkpoint format 1 (tests/golden/format1/, fixtures never re-written) reach when
resumed.

Run it on the code before a change that must not alter behaviour, and again after a change that
is meant to (`python tests/golden/record.py`), committing what it writes with the change;
tests/test_behaviour_unchanged.py compares against it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from cases import FORMAT1, GENERATE_CASES, IMAGE_TRAIN, RESUMED_RUNS, TRAIN_CASES, comparable_metrics, image_weights  # noqa: E402


def run(args: list[str], cwd: Path) -> None:
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def main() -> None:
    out = HERE / "expected"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        for name, args in GENERATE_CASES.items():
            run([sys.executable, "-m", "midigan", "generate", str(scratch / name), *args], ROOT)
            for path in sorted((scratch / name).glob("*.mid")):
                shutil.copy(path, out / f"{name}-{path.name}")
        for name, args in TRAIN_CASES.items():
            run([sys.executable, "-m", "midigan", "train", *args, "--run-dir", str(scratch / name)], ROOT)
            lines = comparable_metrics(scratch / name / "metrics.jsonl")
            (out / f"{name}.metrics.json").write_text(json.dumps(lines, indent=1) + "\n")
        run([sys.executable, "-m", "imagegan", "train", *IMAGE_TRAIN, "--run-dir", str(scratch / "images")], ROOT)
        import torch

        torch.save(image_weights(scratch / "images"), out / "images.weights.pt")
        for name, (command, args) in RESUMED_RUNS.items():
            shutil.copytree(FORMAT1 / name, scratch / name)
            run([sys.executable, "-m", command, "train", *args, "--run-dir", str(scratch / name), "--resume"], ROOT)
            torch.save(image_weights(scratch / name), out / f"format1-{name}.resumed.pt")


if __name__ == "__main__":
    main()

"""Record the behaviour the layout refactor must keep: generated MIDI bytes from the shipped models,
a short melody and parts training run's metrics, and a short imagegan run's weights.

Run once on the code before a change that must not alter behaviour (`python tests/golden/record.py`);
tests/test_behaviour_unchanged.py compares against what it wrote.
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

from cases import GENERATE_CASES, IMAGE_TRAIN, RESUMED_RUNS, TRAIN_CASES, comparable_metrics, image_weights  # noqa: E402


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
        for name, (command, args, steps) in RESUMED_RUNS.items():
            stopped = args[:args.index("--max-steps") + 1] + [str(steps)] + args[args.index("--max-steps") + 2:]
            run([sys.executable, "-m", command, "train", *stopped, "--run-dir", str(out / name)], ROOT)
            for sample in (out / name / "samples").iterdir():
                sample.unlink()
            run([sys.executable, "-m", command, "train", *args, "--run-dir", str(scratch / name)], ROOT)
            torch.save(image_weights(scratch / name), out / f"{name}.weights.pt")


if __name__ == "__main__":
    main()

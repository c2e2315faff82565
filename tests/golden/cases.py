"""What tests/golden/record.py recorded and tests/test_behaviour_unchanged.py replays."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MELODY = str(ROOT / "data" / "midi" / "chorales-heldout" / "bach_bwv272.mid")
PRIMER = str(ROOT / "data" / "midi" / "folk" / "essen_boehme10_200.mid")

#: name -> `midigan generate OUT_FOLDER` arguments (OUT_FOLDER gets tune-NNN.mid files)
GENERATE_CASES = {
    "folk": ["--model", "folk", "--bars", "16", "--count", "3", "--seed", "7"],
    "folk-key-primer": ["--model", "folk", "--bars", "12", "--count", "2", "--seed", "3",  # --key G, which the primer's
                        "--primer", PRIMER, "--primer-bars", "4"],  # key overruled, is refused with --primer since stop 49
    "chorales": ["--model", "chorales", "--bars", "8", "--count", "2", "--seed", "7"],
    "chorales-melody": ["--model", "chorales", "--count", "2", "--seed", "5", "--melody", MELODY],
}
QUICK = ["--device", "cpu", "--quiet", "--seed", "1", "--batch-size", "16", "--eval-every", "20", "--sample-every", "40",
         "--checkpoint-every", "40"]
#: name -> `midigan train` arguments (a run folder is added)
TRAIN_CASES = {
    "train-melody": [str(ROOT / "data" / "midi" / "folk"), "--max-steps", "60", "--pretrain-steps", "30", *QUICK],
    "train-parts": [str(ROOT / "data" / "midi" / "bach"), "--max-steps", "12", "--pretrain-steps", "8", "--window", "32",
                    *QUICK[:-4], "--sample-every", "6", "--checkpoint-every", "6", "--eval-every", "4"],
}
IMAGE_TRAIN = [str(ROOT / "data" / "images"), "--max-steps", "15", "--size", "32", "--batch-size", "16", "--device", "cpu",
               "--quiet", "--seed", "2", "--width", "8"]
#: runs written by checkpoint format 1 (stopped at steps 40 and 10 of these commands), resumed to their end
#: by the tests: name -> (command, arguments). Until behaviour changed they ended with the straight runs' weights.
FORMAT1 = Path(__file__).resolve().parent / "format1"
RESUMED_RUNS = {
    "melody-run": ("midigan", TRAIN_CASES["train-melody"]),
    "image-run": ("imagegan", [*IMAGE_TRAIN, "--lr-decay-start", "1"]),
}
#: fields of metrics.jsonl lines that measure the machine, not the run
TIMING = ("steps_per_s", "elapsed_s")


def comparable_metrics(path: Path) -> list[dict]:
    """metrics.jsonl without its timings."""
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [{key: value for key, value in line.items() if key not in TIMING} for line in lines]


def image_weights(run_dir: Path) -> dict:
    """The last checkpoint's generator, EMA generator and discriminator weights."""
    import torch

    state = torch.load(run_dir / "checkpoints" / "last.pt", map_location="cpu", weights_only=True)
    return {name: state[name] for name in ("generator", "generator_ema", "discriminator")}

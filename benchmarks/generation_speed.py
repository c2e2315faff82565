"""How long writing music takes next to importing torch: 16 bars of four parts (the shipped
chorales model) and 16 bars of melody (the shipped folk model), on this CPU.

    python benchmarks/generation_speed.py [--repeats 5]

Each measurement runs in a fresh Python process, so nothing is cached between them; the median of
--repeats runs is printed. "generation" is loading the model and writing one piece, after torch
is imported; the ratio compares it with the import itself.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

IMPORT_TORCH = "import time; t = time.perf_counter(); import torch; print(time.perf_counter() - t)"
GENERATE = """
import time, torch
torch.set_num_threads(1)
from midigan.music.form import Forms
from midigan.music.catalogue import load_music_model, shipped_model
t = time.perf_counter()
model = load_music_model(shipped_model({name!r}))
model.family.generate(model.generator, 16, 1, seed=1, forms=Forms.from_artifacts(model.artifacts))
print(time.perf_counter() - t)
"""


def seconds(code: str, repeats: int) -> float:
    runs = [float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()[-1])
            for _ in range(repeats)]
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    torch_import = seconds(IMPORT_TORCH, repeats)
    print(f"import torch: {torch_import:.2f} s")
    for name, what in (("chorales", "16 bars of four parts"), ("folk", "16 bars of melody")):
        taken = seconds(GENERATE.format(name=name), repeats)
        print(f"{what} ({name} model, loading included): {taken:.2f} s = {taken / torch_import:.2f} x the torch import")


if __name__ == "__main__":
    main()

"""Print how long `midigan --help` and `imagegan --help` take (median of 7 runs)."""

from __future__ import annotations

import statistics
import subprocess
import time


def median_seconds(command: list[str], runs: int = 7) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


if __name__ == "__main__":
    for command in (["midigan", "--help"], ["imagegan", "--help"]):
        print(f"{' '.join(command):<16} {median_seconds(command) * 1000:6.0f} ms")

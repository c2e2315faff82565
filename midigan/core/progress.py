"""How a run shows its progress: a live bar on a terminal, plain periodic lines in a log file or pipe.

Why not always a bar: a redirected `midigan train > log` got every redraw of the bar, megabytes
of carriage returns; a file wants a line now and then that a person (or grep) can read.
"""

from __future__ import annotations

import contextlib
import sys
import time
from typing import TextIO

PLAIN_EVERY_S = 30.0  # seconds between plain lines


class SilentProgress(contextlib.nullcontext):
    """Shows nothing (progress off, or a process other than rank 0)."""

    def update(self, n: int = 1) -> None:
        pass

    def set_postfix(self, values: dict[str, str], refresh: bool = False) -> None:
        pass


class PlainProgress:
    """One line every PLAIN_EVERY_S seconds and one at the end: step, of how many, the latest
    figures, steps per second."""

    def __init__(self, total: int | None, initial: int, stream: TextIO | None = None, every: float = PLAIN_EVERY_S):
        self.total, self.n, self.stream, self.every = total, initial, stream or sys.stderr, every
        self.values: dict[str, str] = {}
        self.started = self.last = time.monotonic()
        self.first = initial

    def update(self, n: int = 1) -> None:
        self.n += n
        if time.monotonic() - self.last >= self.every:
            self.line()

    def set_postfix(self, values: dict[str, str], refresh: bool = False) -> None:
        self.values = dict(values)

    def line(self) -> None:
        now = time.monotonic()
        rate = (self.n - self.first) / max(now - self.started, 1e-9)
        figures = "".join(f", {name} {value}" for name, value in self.values.items())
        of = f"/{self.total}" if self.total is not None else ""
        print(f"step {self.n}{of}{figures}, {rate:.2f} steps/s", file=self.stream, flush=True)
        self.last = now

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(self, *exc) -> None:
        self.line()


def progress_display(total: int | None, initial: int, enabled: bool):
    """A tqdm bar on a terminal, plain lines on anything else, nothing when not `enabled`."""
    if not enabled:
        return SilentProgress()
    if not sys.stderr.isatty():
        return PlainProgress(total, initial)
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, unit="step", dynamic_ncols=True)


def print_news(message: str) -> None:
    """Print one line above a running progress bar instead of through it (a `say` for `Trainer`)."""
    from tqdm.auto import tqdm

    tqdm.write(message)

"""Form: which bars of a piece repeat an earlier bar, learnt from the folder and followed when writing.

Why: real tunes repeat whole bars (a fifth to a third of the bars of a folk tune's first 16
restate an earlier one: AABA phrases, refrains), and a note-by-note model trained on a small
folder never learns to; its pieces wander, and that is what gives them away first. So the
training pieces' forms (for each bar, the latest earlier bar it repeats, or none) travel with the
model, and generation draws one and copies the bars it says to copy, writing every other bar
fresh. A form holds no notes: only which bar repeats which.
"""

from __future__ import annotations

import numpy as np
import torch

from midigan.song import Song

NEW = -1  # a bar that repeats no earlier bar
MAX_FORM_BARS = 64  # forms are kept up to this many bars
MIN_LONG_FORMS = 20
_PAD = -2


def bar_sources(song: Song) -> list[int]:
    """For each full bar of the song (a pickup bar is skipped), the index of the latest earlier bar
    with exactly the same notes (position in bar, pitch, duration, part), or NEW. A bar where no
    note starts is NEW."""
    starts = song.bar_starts()
    first = song.first_full_bar()
    notes = song.notes
    which = np.searchsorted(starts, notes["onset"], side="right") - 1
    sources, seen = [], {}
    for bar in range(first, min(len(starts), first + MAX_FORM_BARS)):
        inside = notes[which == bar]
        content = tuple(zip((inside["onset"] - starts[bar]).tolist(), inside["pitch"].tolist(),
                            inside["duration"].tolist(), inside["track"].tolist()))
        sources.append(seen.get(content, NEW) if content else NEW)
        if content:
            seen[content] = bar - first
    return sources


def form_artifacts(songs: list[Song]) -> dict[str, torch.Tensor]:
    """The distinct forms of `songs` and how many songs have each, as checkpoint tensors."""
    counts: dict[tuple[int, ...], int] = {}
    for song in songs:
        form = tuple(bar_sources(song))
        if form:
            counts[form] = counts.get(form, 0) + 1
    if not counts:
        return {}
    width = max(map(len, counts))
    table = np.full((len(counts), width), _PAD, np.int16)
    for row, form in enumerate(counts):
        table[row, : len(form)] = form
    return {"forms": torch.from_numpy(table), "form_counts": torch.tensor(list(counts.values()), dtype=torch.int64)}


class Forms:
    """The forms a model learnt, to draw from when writing a piece."""

    def __init__(self, table: np.ndarray, counts: np.ndarray):
        self.forms = [row[row != _PAD].tolist() for row in table]
        self.counts = counts.astype(np.float64)

    @classmethod
    def from_artifacts(cls, artifacts: dict[str, torch.Tensor]) -> Forms | None:
        if "forms" not in artifacts:
            return None
        return cls(artifacts["forms"].numpy(), artifacts["form_counts"].numpy())

    def table(self, bars: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Every form as a plan of `bars` bars (n_forms, bars), and how many pieces had each."""
        plans = torch.tensor([tile(form, bars) for form in self.forms], dtype=torch.long)
        return plans, torch.from_numpy(self.counts)

    def draw(self, bars: int, count: int, rng: np.random.Generator) -> list[list[int]]:
        """`count` plans of `bars` bars, each a bar-to-source list, in proportion to how many
        pieces had each form. Forms at least `bars` long are preferred when at least
        MIN_LONG_FORMS pieces had one (fewer say little about the folder); a shorter form is
        repeated as a pattern (AABA AABA), its new bars new again in every pass."""
        long_enough = np.array([len(form) >= bars for form in self.forms])
        enough = self.counts[long_enough].sum() >= MIN_LONG_FORMS
        weights = self.counts * (long_enough if enough else 1.0)
        chosen = rng.choice(len(self.forms), size=count, p=weights / weights.sum())
        return [tile(self.forms[index], bars) for index in chosen]


def tile(form: list[int], bars: int) -> list[int]:
    """`form` cut or repeated as a pattern to `bars` bars."""
    length = len(form)
    out = []
    for bar in range(bars):
        source = form[bar % length]
        out.append(source + length * (bar // length) if source != NEW else NEW)
    return out


class FormFollower:
    """Follows bar plans while a batch of pieces is written token by token: at the first token of a
    bar whose plan names an earlier bar, it hands out that bar's tokens (their step numbers, for
    the caller to copy) instead of letting the model choose, when they fit: the same offset into
    the bar (a note held over the bar line must match) and, with `total`, room to end exactly.

    Tensors throughout, so training (differentiable outputs) and sampling share it.
    """

    def __init__(self, plans: torch.Tensor, bar_length: int, durations: torch.Tensor,
                 total: int | None = None, can_fill: torch.Tensor | None = None):
        """`plans` (n, bars): source bar per bar, NEW for none; `durations`: grid steps per
        duration class; `total`/`can_fill`: the piece's length and which remainders can be filled."""
        n, device = plans.shape[0], plans.device
        self.plans, self.bar_length, self.durations = plans.long(), bar_length, durations
        self.total, self.can_fill = total, can_fill
        self.rows = torch.arange(n, device=device)
        bars = max(plans.shape[1], 1)
        self.first = torch.zeros(n, bars, dtype=torch.long, device=device)  # step of a bar's first token
        self.count = torch.zeros(n, bars, dtype=torch.long, device=device)  # tokens starting in the bar
        self.entry = torch.zeros(n, bars, dtype=torch.long, device=device)  # offset of the first token
        self.end = torch.zeros(n, bars, dtype=torch.long, device=device)  # where its last token ends
        self.last_rest = torch.zeros(n, bars, dtype=torch.bool, device=device)
        self.current = torch.full((n,), -1, dtype=torch.long, device=device)
        self.source = torch.zeros(n, dtype=torch.long, device=device)  # next step to copy
        self.left = torch.zeros(n, dtype=torch.long, device=device)  # tokens still to copy

    def _bar(self, elapsed: torch.Tensor) -> torch.Tensor:
        return (elapsed // self.bar_length).clamp(max=self.first.shape[1] - 1)

    def copy_from(self, elapsed: torch.Tensor) -> torch.Tensor:
        """Per piece, the earlier step whose token to copy now, or -1 to let the model choose."""
        bar = self._bar(elapsed)
        entering = (bar != self.current) & (self.left == 0) & (elapsed // self.bar_length < self.plans.shape[1])
        source_bar = self.plans.gather(1, bar[:, None]).squeeze(1)
        known = source_bar.clamp(min=0)
        start = entering & (source_bar >= 0) & (self.count[self.rows, known] > 0)
        start &= self.entry[self.rows, known] == elapsed % self.bar_length
        if self.total is not None:
            end = bar * self.bar_length + self.end[self.rows, known]
            fits = (end <= self.total) & self.can_fill[(self.total - end).clamp(min=0)]
            start &= fits & ~((end == self.total) & self.last_rest[self.rows, known])
        self.source = torch.where(start, self.first[self.rows, known], self.source)
        self.left = torch.where(start, self.count[self.rows, known], self.left)
        return torch.where(self.left > 0, self.source, -1)

    def record(self, step: int, elapsed: torch.Tensor, duration_class: torch.Tensor, is_rest: torch.Tensor) -> None:
        """Note the token just written at `step` (starting at `elapsed`) and move the copy along."""
        bar = self._bar(elapsed)
        offset = elapsed % self.bar_length
        entering = bar != self.current
        self.first[self.rows, bar] = torch.where(entering, step, self.first[self.rows, bar])
        self.entry[self.rows, bar] = torch.where(entering, offset, self.entry[self.rows, bar])
        self.count[self.rows, bar] += 1
        self.end[self.rows, bar] = offset + self.durations[duration_class]
        self.last_rest[self.rows, bar] = is_rest
        self.current = bar
        copying = self.left > 0
        self.source = self.source + copying
        self.left = self.left - copying.long()

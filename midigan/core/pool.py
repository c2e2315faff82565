"""A pool of past fakes for the discriminator (Shrivastava et al. 2017, as CycleGAN uses it).

Why: judged only on the generator's latest output, a discriminator forgets what earlier
generators made and the pair can chase each other in circles; half of every batch it judges is
drawn from a history of fakes instead. The pool keeps whole past batches and swaps row for row
(row i of the batch with row i of a stored batch), so a family whose batch rows have a fixed
meaning (CycleGAN: the first half domain A, the second half domain B) keeps it.
"""

from __future__ import annotations

import torch


class FakePool:
    """Up to `batches` past fake batches; `exchange` returns what D judges this step."""

    def __init__(self, batches: int):
        if batches < 1:
            raise ValueError(f"a fake pool holds at least one batch, not {batches}")
        self.capacity = batches
        self.stored: torch.Tensor | None = None  # (capacity, batch, ...)
        self.filled = 0

    @torch.no_grad()
    def exchange(self, fake: torch.Tensor) -> torch.Tensor:
        """While filling: store `fake` and return it. Then each row, with probability 1/2, is
        swapped with the same row of a random stored batch: D gets the old row, the pool the new."""
        fake = fake.detach()
        if self.stored is None:
            self.stored = torch.empty((self.capacity, *fake.shape), dtype=fake.dtype, device=fake.device)
        if self.filled < self.capacity:
            self.stored[self.filled] = fake
            self.filled += 1
            return fake
        rows = torch.arange(len(fake))
        swap = torch.rand(len(fake)) < 0.5
        slots = torch.randint(self.capacity, (len(fake),))
        rows, slots = rows[swap].to(fake.device), slots[swap].to(fake.device)
        judged = fake.clone()
        judged[rows] = self.stored[slots, rows]
        self.stored[slots, rows] = fake[rows]
        return judged

    def state_dict(self) -> dict:
        return {"stored": None if self.stored is None else self.stored.cpu(), "filled": self.filled}

    def load_state_dict(self, state: dict, device: torch.device) -> None:
        self.filled = int(state["filled"])
        self.stored = None if state["stored"] is None else state["stored"].to(device)

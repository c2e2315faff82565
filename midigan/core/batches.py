"""Training batches drawn from an in-memory tensor, in an order fixed by (seed, batch number).

Why a pure function of the batch number: a resumed run only has to remember how many batches it
has drawn to see exactly the batches an uninterrupted run would have seen.
"""

from __future__ import annotations

import torch

from midigan.core.distributed import World, epoch_indices

#: Data up to this size is copied to the accelerator once; larger data is copied batch by batch.
DEVICE_RESIDENT_BYTES = 2 * 2**30


class BatchStream:
    """Batch `k` holds positions [k*B, (k+1)*B) of this replica's epochs laid end to end."""

    def __init__(self, data: torch.Tensor, batch_size: int, seed: int, world: World, device: torch.device):
        if len(data) == 0:
            raise ValueError("no training examples")
        self.batch_size = batch_size
        self.seed = seed
        self.world = world
        self.device = device
        self.n_examples = len(data)
        self.per_replica = len(epoch_indices(self.n_examples, world, seed, 0))
        self._epochs: dict[int, torch.Tensor] = {}
        on_accelerator = device.type != "cpu"
        if on_accelerator and data.numel() * data.element_size() <= DEVICE_RESIDENT_BYTES:
            self.data = data.to(device)
            self._pinned = False
        else:
            self.data = data
            self._pinned = device.type == "cuda"

    def spread(self, n: int) -> torch.Tensor:
        """`n` examples evenly spaced through the data, on the device: fixed sample inputs that
        show a folder sorted by class every class."""
        return self.data[torch.arange(n) * self.n_examples // n].to(self.device)

    def batch(self, k: int) -> torch.Tensor:
        positions = torch.arange(k * self.batch_size, (k + 1) * self.batch_size)
        epochs = positions // self.per_replica
        offsets = positions % self.per_replica
        indices = torch.empty_like(positions)
        for epoch in epochs.unique().tolist():
            mask = epochs == epoch
            indices[mask] = self._epoch(epoch)[offsets[mask]]
        if self.data.device == self.device:
            return self.data[indices.to(self.device)]
        rows = self.data[indices]
        if self._pinned:
            rows = rows.pin_memory()
        return rows.to(self.device, non_blocking=self._pinned)

    def _epoch(self, epoch: int) -> torch.Tensor:
        if epoch not in self._epochs:
            if len(self._epochs) >= 2:
                self._epochs.pop(min(self._epochs))
            self._epochs[epoch] = epoch_indices(self.n_examples, self.world, self.seed, epoch)
        return self._epochs[epoch]


class ZippedStreams:
    """One batch from each of several data tensors, each in its own order: collections that are
    not paired (CycleGAN's two domains) drawn side by side."""

    def __init__(self, sources: tuple[torch.Tensor, ...], batch_size: int, seed: int, world: World, device: torch.device):
        self.streams = [BatchStream(data, batch_size, seed + index, world, device) for index, data in enumerate(sources)]

    def spread(self, n: int) -> tuple[torch.Tensor, ...]:
        return tuple(stream.spread(n) for stream in self.streams)

    def batch(self, k: int) -> tuple[torch.Tensor, ...]:
        return tuple(stream.batch(k) for stream in self.streams)


def batch_stream(
    data: torch.Tensor | tuple[torch.Tensor, ...], batch_size: int, seed: int, world: World, device: torch.device
) -> BatchStream | ZippedStreams:
    """A stream of batches from a data tensor, or of tuples of batches from a tuple of them."""
    if isinstance(data, (tuple, list)):
        return ZippedStreams(tuple(data), batch_size, seed, world, device)
    return BatchStream(data, batch_size, seed, world, device)

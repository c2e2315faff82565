"""Multi-process training started by torchrun, detected from its environment variables.

Why gradients are averaged by hand instead of wrapping the modules in DistributedDataParallel:
a GAN step freezes D while G learns through it, differentiates D twice for WGAN-GP and R1, and
lets families compute pre-training losses through arbitrary generator methods. DDP's reducer
supports none of these cleanly (it expects every forward to be followed by one backward through
its own `forward`), while one flat all-reduce per module per update does the same job for all of
them (StyleGAN2-ADA makes the same choice). Buffers (BatchNorm statistics) stay per replica, as
DDP would with `broadcast_buffers=False`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data import DistributedSampler

from midigan.core.errors import TrainingError


@dataclass(frozen=True)
class World:
    """Where this process stands among the replicas; a single process is rank 0 of 1."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        """Only the main process writes files (run folder, samples, checkpoints)."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def detect_world() -> World:
    """The replica layout torchrun put into the environment (RANK, WORLD_SIZE, LOCAL_RANK)."""
    return World(
        rank=int(os.environ.get("RANK", 0)),
        world_size=int(os.environ.get("WORLD_SIZE", 1)),
        local_rank=int(os.environ.get("LOCAL_RANK", 0)),
    )


def replica_device(device: torch.device, world: World) -> torch.device:
    """The GPU of this replica's LOCAL_RANK on CUDA, else `device`. A replica with no GPU of its
    own (torchrun started more processes than the machine has GPUs) is a one-line TrainingError
    here rather than CUDA's "invalid device ordinal" from deep inside."""
    if device.type != "cuda" or not world.distributed:
        return device
    gpus = torch.cuda.device_count()
    if world.local_rank >= gpus:
        raise TrainingError(f"replica {world.local_rank} of this machine has no GPU of its own (it has {gpus}): start at most "
                            f"{gpus} per machine (torchrun --nproc-per-node {gpus}) or train on the CPU (--device cpu)")
    return torch.device("cuda", world.local_rank)


def init_process_group(world: World, device: torch.device) -> bool:
    """Join the process group (nccl on CUDA, gloo otherwise); True if this call created it."""
    if not world.distributed or dist.is_initialized():
        return False
    dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo", rank=world.rank, world_size=world.world_size)
    return True


def broadcast_parameters(module: nn.Module, world: World) -> None:
    """Start every replica from rank 0's weights."""
    if world.distributed:
        for tensor in list(module.parameters()) + list(module.buffers()):
            dist.broadcast(tensor.data, src=0)


def average_gradients(module: nn.Module, world: World) -> None:
    """Average the gradients of `module` over replicas in one flat all-reduce."""
    if not world.distributed:
        return
    grads = [p.grad for p in module.parameters() if p.grad is not None]
    if not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat)
    flat /= world.world_size
    offset = 0
    for grad in grads:
        grad.copy_(flat[offset : offset + grad.numel()].view_as(grad))
        offset += grad.numel()


def average_values(values: torch.Tensor, world: World) -> torch.Tensor:
    """Mean of a small tensor over replicas (a NaN on any replica reaches all of them)."""
    if world.distributed:
        values = values.clone()
        dist.all_reduce(values)
        values /= world.world_size
    return values


def any_replica(flag: bool, world: World, device: torch.device) -> bool:
    """True when `flag` is true on any replica, so all replicas stop on the same step."""
    if not world.distributed:
        return flag
    tensor = torch.tensor([1.0 if flag else 0.0], device=device)
    dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
    return bool(tensor.item())


def epoch_indices(n_examples: int, world: World, seed: int, epoch: int) -> torch.Tensor:
    """This replica's shuffled example indices for one epoch: a pure function of (seed, epoch)."""
    sampler = DistributedSampler(range(n_examples), num_replicas=world.world_size, rank=world.rank, shuffle=True, seed=seed)
    sampler.set_epoch(epoch)
    return torch.tensor(list(iter(sampler)), dtype=torch.long)

"""Seeding and capturing every random number generator the training touches.

Why: exact resume needs Python, NumPy, torch CPU and CUDA streams to continue where they stopped,
and the checkpoint must hold them as tensors and basic types so `torch.load(weights_only=True)`
accepts it.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (all devices) from one number."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def derived_seed(seed: int, *keys: int) -> int:
    """A seed for part `keys` of a draw seeded `seed`. Why not `seed + key`: then part 1 of seed 0
    is part 0 of seed 1, and two runs a few seeds apart hand back the same pieces."""
    return int(np.random.SeedSequence([seed % 2**63, *keys]).generate_state(1)[0])


def capture_rng_state() -> dict[str, Any]:
    """Every generator's state as tensors, lists and numbers (safe for weights_only loading)."""
    version, mt_state, gauss = random.getstate()
    kind, keys, position, has_gauss, cached = np.random.get_state()
    return {
        "python": [version, list(mt_state), gauss],
        "numpy": [kind, torch.from_numpy(keys.astype(np.int64)), int(position), int(has_gauss), float(cached)],
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def restore_rng_state(state: dict[str, Any]) -> None:
    """Put back what `capture_rng_state` took (its tensors may come back on any device)."""
    version, mt_state, gauss = state["python"]
    random.setstate((version, tuple(mt_state), gauss))
    kind, keys, position, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, keys.cpu().numpy().astype(np.uint32), position, has_gauss, cached))
    torch.set_rng_state(state["torch"].cpu())
    if state["cuda"] and torch.cuda.is_available() and len(state["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])


@contextlib.contextmanager
def rng_untouched(device: torch.device) -> Iterator[None]:
    """Run a block without moving Python's, NumPy's or torch's global random streams."""
    python_state, numpy_state = random.getstate(), np.random.get_state()
    accelerator = device.type in ("cuda", "mps")
    with torch.random.fork_rng(devices=[device] if accelerator else [], device_type=device.type if accelerator else "cuda"):
        yield
    random.setstate(python_state)
    np.random.set_state(numpy_state)

"""Checkpoints: a plain dict of tensors and basic types, written atomically, read without pickle code.

Why these rules: a checkpoint must survive the process being killed mid-write (temporary file,
fsync, rename), must never run code when opened (`weights_only=True`), and must hold everything
that generation (family config and EMA generator) and exact resume (optimizers, step, data
position, RNG states) need.
"""

from __future__ import annotations

import os
import pickle
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from midigan.core.errors import CheckpointError
from midigan.core.family import GANFamily
from midigan.core.runstate import RunState
from midigan.core.schedule import PhaseSchedule

FORMAT = "midigan-checkpoint"
VERSION = 2  # 2: training hooks' states under "hooks" (see `migrate`)
LAST = "last.pt"
BEST = "best.pt"
PRETRAIN_BEST = "pretrain-best.pt"  # the best pretraining weights, where the adversarial phase starts


def checkpoint_path(run_dir: str | Path, which: str = LAST) -> Path:
    """Where a run keeps its latest checkpoint (or, with `which=BEST`, its best-validated one)."""
    return Path(run_dir) / "checkpoints" / which


def make_checkpoint(family: GANFamily, state: RunState, train_config: dict[str, Any], rng: dict[str, Any],
                    hooks: dict[str, Any] | None = None, artifacts: dict[str, torch.Tensor] | None = None) -> dict[str, Any]:
    """The checkpoint dict (format tag and version first, so readers can refuse strangers).

    `hooks` are the training hooks' states by name; `artifacts` are tensors the family's generation
    needs besides weights (e.g. the hashes a novelty guard checks against)."""
    checkpoint = {"format": FORMAT, "version": VERSION, "family": {"name": family.name, "config": family.config()},
                  **state.to_checkpoint(), "train_config": _basic(train_config), "rng": rng, "hooks": _basic(hooks or {}),
                  "artifacts": dict(artifacts or {})}
    return checkpoint


def migrate(checkpoint: dict[str, Any]) -> dict[str, Any]:
    """A checkpoint of an earlier format version in the current one, so every reader sees one layout.

    Version 1 kept adaptive augmentation's and the fake pool's state inside "schedule"; its first
    runs had no "schedule" (their phase followed `pretrain_steps` alone) and no "artifacts"."""
    if checkpoint.get("version") == 1:
        checkpoint = dict(checkpoint)
        schedule = dict(checkpoint.get("schedule") or {})
        checkpoint["hooks"] = {name: schedule.pop(name) for name in ("augment", "fake_pool") if schedule.get(name) is not None}
        for name in ("augment", "fake_pool"):
            schedule.pop(name, None)
        if "adversarial_from" not in schedule and "step" in checkpoint:
            pretrain_steps = checkpoint.get("train_config", {}).get("pretrain_steps", 0)
            schedule = {"adversarial_from": pretrain_steps if checkpoint["step"] >= pretrain_steps else None}
        checkpoint["schedule"] = {**PhaseSchedule().state_dict(), **schedule}
        checkpoint.setdefault("artifacts", {})
        checkpoint["version"] = 2
    return checkpoint


def save_checkpoint(checkpoint: dict[str, Any], path: str | Path) -> None:
    """Write to a temporary file in the same folder, fsync, then rename over `path`.

    A crash at any moment leaves either the old file or the new one, never a torn one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_orphaned_temporaries(path)
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(temporary, "wb") as handle:
            torch.save(checkpoint, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    _fsync_folder(path.parent)


def add_artifacts(path: str | Path, artifacts: dict[str, torch.Tensor], drop: tuple[str, ...] = ()) -> None:
    """Store more artifacts in a written checkpoint: what a family measures about generation once
    training has ended; `drop` names earlier ones that no longer hold (a measurement made again)."""
    checkpoint = load_checkpoint(path)
    kept = {name: value for name, value in checkpoint["artifacts"].items() if name not in drop}
    checkpoint["artifacts"] = {**kept, **artifacts}
    save_checkpoint(checkpoint, path)


def _remove_orphaned_temporaries(path: Path) -> None:
    """Delete half-written temporaries of `path` left by writers that were killed (SIGKILL, power
    loss): the PID in their name no longer runs. A live writer's temporary is left alone."""
    for temporary in path.parent.glob(f".{path.name}.tmp-*"):
        pid = temporary.name.rpartition("-")[2]
        if pid.isdigit() and not _process_exists(int(pid)):
            temporary.unlink(missing_ok=True)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Read a midigan checkpoint safely; CheckpointError (one line) for anything else."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}")
    if not zipfile.is_zipfile(path):
        raise CheckpointError(f"{path} is not a PyTorch checkpoint file")
    try:
        checkpoint = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        raise CheckpointError(f"{path} holds Python objects that could run code when loaded; refusing to open it") from error
    except Exception as error:  # torch raises RuntimeError, KeyError, EOFError... for damaged files
        raise CheckpointError(f"{path} is damaged or unreadable ({type(error).__name__})") from error
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a midigan checkpoint")
    if checkpoint.get("version") not in range(1, VERSION + 1):
        raise CheckpointError(f"{path} has checkpoint version {checkpoint.get('version')}, this midigan reads versions 1 to {VERSION}")
    return migrate(checkpoint)


def resolve_checkpoint(path_or_run_dir: str | Path, which: str = BEST) -> Path:
    """A checkpoint file as it is; for a run folder its checkpoints/best.pt (the one validation
    chose), else checkpoints/last.pt, or only last.pt when `which` is LAST."""
    path = Path(path_or_run_dir)
    if path.is_dir():
        names = (BEST, LAST) if which == BEST else (LAST,)
        for name in names:
            for candidate in (checkpoint_path(path, name), path / name):
                if candidate.is_file():
                    return candidate
        raise CheckpointError(f"no checkpoint in {path} (looked for checkpoints/{' and '.join(names)})")
    return path


Families = type[GANFamily] | tuple[type[GANFamily], ...]


def family_from_checkpoint(checkpoint: dict[str, Any], family_cls: Families, source: str | Path = "checkpoint") -> GANFamily:
    """Rebuild the family stored in a checkpoint, refusing one not among `family_cls` (a family
    class, or a tuple of those a caller can use)."""
    stored = checkpoint["family"]["name"]
    accepted = family_cls if isinstance(family_cls, tuple) else (family_cls,)
    for candidate in accepted:
        if candidate.name == stored:
            return candidate.from_config(checkpoint["family"]["config"])
    names = " or ".join(candidate.name for candidate in accepted)
    raise CheckpointError(f"{source} is a {stored} checkpoint, not a {names} model")


@dataclass
class LoadedModel:
    """What generation needs from a checkpoint: the family, its EMA generator and its artifacts."""

    family: GANFamily
    generator: nn.Module
    artifacts: dict[str, torch.Tensor]
    path: Path


def load_generator(
    path_or_run_dir: str | Path, family_cls: Families, device: str | torch.device = "cpu"
) -> tuple[GANFamily, nn.Module]:
    """(family, EMA generator in eval mode on `device`) from a checkpoint file or run folder."""
    model = load_model(path_or_run_dir, family_cls, device)
    return model.family, model.generator


def load_model(
    path_or_run_dir: str | Path, family_cls: Families, device: str | torch.device = "cpu", which: str = BEST
) -> LoadedModel:
    """The family, EMA generator (eval mode, on `device`) and artifacts of a checkpoint file or a
    run folder (its best checkpoint unless `which` is LAST).

    This is all generation needs: the family (with its data encoding) comes from the checkpoint.
    """
    path = resolve_checkpoint(path_or_run_dir, which)
    checkpoint = load_checkpoint(path)
    family = family_from_checkpoint(checkpoint, family_cls, path)
    generator = family.build_generator()
    try:
        generator.load_state_dict(checkpoint["generator_ema"])
    except RuntimeError as error:
        raise CheckpointError(f"{path}: generator weights do not fit the {family.name} model it names") from error
    generator.requires_grad_(False)
    return LoadedModel(family, generator.to(device).eval(), dict(checkpoint["artifacts"]), path)


def _basic(value: Any) -> Any:
    """Tuples become lists, so the stored config matches its JSON form."""
    if isinstance(value, dict):
        return {key: _basic(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_basic(item) for item in value]
    return value


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); harmless where folders cannot be opened."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)

"""Numbered run folders: runs/folk-1, runs/folk-2, ... so that no run overwrites another."""

from __future__ import annotations

import json
import re
from pathlib import Path


def _numbered_runs(root: Path, prefix: str) -> list[tuple[int, Path]]:
    pattern = re.compile(rf"^{re.escape(prefix)}-(\d+)$")
    if not root.is_dir():
        return []
    found = []
    for child in root.iterdir():
        match = pattern.match(child.name)
        if match and child.is_dir():
            found.append((int(match.group(1)), child))
    return sorted(found)


def next_run_dir(root: str | Path, prefix: str) -> Path:
    """The next free `root/prefix-N` (N one past the highest existing); the folder is not created."""
    runs = _numbered_runs(Path(root), prefix)
    number = runs[-1][0] + 1 if runs else 1
    return Path(root) / f"{prefix}-{number}"


def newest_run(root: str | Path, prefix: str | None = None, family: str | tuple[str, ...] | None = None) -> Path | None:
    """The newest run under `root`, None when there is none.

    With `prefix`: the highest `prefix-N`. With `family` (a GANFamily.name, or several): the run of
    such a family whose checkpoint was written last, so generation finds a usable model whatever
    else shares the folder. Otherwise: the most recently modified folder holding a config.json."""
    root = Path(root)
    if prefix is not None:
        runs = _numbered_runs(root, prefix)
        return runs[-1][1] if runs else None
    if not root.is_dir():
        return None
    if family is not None:
        runs = runs_of(root, family)
        return runs[0] if runs else None
    candidates = [child for child in root.iterdir() if (child / "config.json").is_file()]
    return max(candidates, key=lambda child: child.stat().st_mtime) if candidates else None


def runs_of(root: str | Path, family: str | tuple[str, ...] | set[str]) -> list[Path]:
    """Run folders under `root` of `family` (a GANFamily.name, or several) holding a checkpoint,
    the one whose checkpoint was written last first."""
    root = Path(root)
    if not root.is_dir():
        return []
    families = (family,) if isinstance(family, str) else tuple(family)
    checkpoints = [child / "checkpoints" / "last.pt" for child in root.iterdir() if run_family(child) in families]
    checkpoints = sorted((path for path in checkpoints if path.is_file()), key=lambda path: path.stat().st_mtime, reverse=True)
    return [path.parent.parent for path in checkpoints]


def write_run_config(run_dir: Path, train: dict, family, world_size: int, device) -> None:
    """config.json: the training settings and the family that say what a run folder holds."""
    record = {"train": train, "family": {"name": family.name, "config": family.config()}, "world_size": world_size,
              "device": str(device)}
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.json").write_text(json.dumps(record, indent=2, default=list) + "\n", encoding="utf-8")


def read_run_config(run_dir: str | Path) -> dict | None:
    """The config.json the trainer wrote into a run folder; None when it is missing or unreadable."""
    try:
        stored = json.loads((Path(run_dir) / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stored if isinstance(stored, dict) else None


def run_family(run_dir: Path) -> str | None:
    """The family name a run's config.json records, None for anything else (another tool's config.json)."""
    try:
        name = read_run_config(run_dir)["family"]["name"]
    except (KeyError, TypeError):
        return None
    return name if isinstance(name, str) else None

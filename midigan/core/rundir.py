"""Numbered run folders: runs/folk-1, runs/folk-2, ... so that no run overwrites another."""

from __future__ import annotations

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


def newest_run(root: str | Path, prefix: str | None = None) -> Path | None:
    """The newest run under `root`: highest `prefix-N` when a prefix is given, otherwise the most
    recently modified folder holding a config.json. None when there is none."""
    root = Path(root)
    if prefix is not None:
        runs = _numbered_runs(root, prefix)
        return runs[-1][1] if runs else None
    if not root.is_dir():
        return None
    candidates = [child for child in root.iterdir() if (child / "config.json").is_file()]
    return max(candidates, key=lambda child: child.stat().st_mtime) if candidates else None

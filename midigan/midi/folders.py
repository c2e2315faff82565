"""Which files of a folder are MIDI songs: every .mid/.midi file under it, at any depth.

Why one place: `prepare`, `evaluate` and `transfer apply` must agree on what a folder holds. A
linked folder is searched too (a folder of links to collections held nothing), each folder once, so
a link back up ends the search; a training run's folder is not (`midigan train .` run inside the
songs folder put the run there, and the next run learnt from its generated samples).
"""

from __future__ import annotations

import os
from pathlib import Path

MIDI_SUFFIXES = (".mid", ".midi")


def midi_files(path: str | Path) -> list[Path]:
    """`path` itself if it is a file, else every .mid/.midi file under it, sorted."""
    path = Path(path)
    if path.is_file():
        return [path]
    return sorted(path / relative for relative in scan(path)) if path.is_dir() else []


def scan(songs_dir: str | Path) -> dict[str, tuple[int, int]]:
    """Relative path -> (size, mtime_ns) of every MIDI file under `songs_dir`, sorted by path.

    Real folders are listed first, in sorted order, and linked folders after them, each only where
    its real path was not listed yet: with `real/` and `link -> real`, the files are `real/...`
    whatever order the file system lists them in (cache keys, `song.source` and `transfer apply`'s
    output paths follow these names).
    """
    found = {}
    seen = {os.path.realpath(songs_dir)}
    folders: list[tuple[str, str]] = [("", str(songs_dir))]
    links: list[tuple[str, str]] = []  # followed once no real folder is left to list
    while folders or links:
        if not folders:
            links.sort(reverse=True)  # of two links to one folder, the first in sorted order names it
            prefix, folder = links.pop()
            if os.path.realpath(folder) not in seen:
                seen.add(os.path.realpath(folder))
                folders.append((prefix, folder))
            continue
        prefix, folder = folders.pop()
        with os.scandir(folder) as listing:
            items = sorted(listing, key=lambda item: item.name)
        for item in reversed(items):  # the stack then lists subfolders in sorted order
            if item.name.lower().endswith(MIDI_SUFFIXES) and item.is_file():
                stat = item.stat()
                found[prefix + item.name] = (stat.st_size, stat.st_mtime_ns)
            elif item.is_dir() and not _a_run(item.path):
                if item.is_symlink():
                    links.append((f"{prefix}{item.name}/", item.path))
                elif os.path.realpath(item.path) not in seen:
                    seen.add(os.path.realpath(item.path))
                    folders.append((f"{prefix}{item.name}/", item.path))
    return dict(sorted(found.items()))


def _a_run(folder: str) -> bool:
    """A midigan training run's folder (checkpoints/ beside a config.json naming the family it
    trained), whose samples are generated music; another tool's folder of that shape is searched."""
    from midigan.core.rundir import run_family

    return os.path.isdir(os.path.join(folder, "checkpoints")) and run_family(Path(folder)) is not None

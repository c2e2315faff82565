"""Files written whole: a Ctrl-C or an error while a long file is written (a table of 200,000 rows, a
WAV of a long piece) leaves the file as it was before, or none, never the half of one a reader would
take for the whole."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def written_whole(path: str | Path) -> Iterator[Path]:
    """A name beside `path` (same suffix, so writers that go by it still do) for the block to write
    to, moved onto `path` when the block ends; removed if it does not."""
    path = Path(path)
    temporary = path.with_name(f".{path.stem}.partial{path.suffix}")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)

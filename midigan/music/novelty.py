"""The novelty guard: a generated piece that quotes a long phrase of a training piece is drawn again.

Why: on a small folder a model can learn its tunes by heart and hand them back stitched
together. The guard keeps 64-bit hashes of every `GUARD_NOTES`-note phrase of the training
pieces (transposition-invariant: intervals and durations, as the copy rate counts them), never
the pieces themselves, and generation draws again any piece holding one of them. The length is
where held-out real tunes almost never trip the guard: shorter phrases are shared by unrelated
real tunes of one collection (stock cadences, scale runs), so a shorter guard would refuse music
a person could have written (`benchmarks/small_folders.py` prints the rate per folder).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

import numpy as np
import torch

from midigan.core.rng import derived_seed
from midigan.metrics.copying import passage_keys, phrase_keys
from midigan.song import Song

GUARD_NOTES = 24
MAX_DRAWS = 20  # rounds of drawing again before giving up on a piece
#: what a guard compares: melody phrases (melody models) or chord-slice passages (several parts)
KINDS = {"phrases": phrase_keys, "passages": passage_keys}


class CopyError(ValueError):
    """Generation kept copying training phrases; the message is one line for the CLI."""


def phrase_hashes(songs: Iterable[Song], length: int = GUARD_NOTES, kind: str = "phrases") -> np.ndarray:
    """Sorted distinct 64-bit hashes (as int64) of every `length`-note phrase of the songs'
    melodies (or, with kind "passages", of every `length`-slice passage)."""
    digests = {phrase_hash(key) for song in songs for key in KINDS[kind](song, length)}
    return np.array(sorted(digests), dtype=np.int64)


def phrase_hash(key: bytes) -> int:
    """A phrase key as a signed 64-bit number (what the guard stores)."""
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "little", signed=True)


class NoveltyGuard:
    """Tells whether a piece quotes a `length`-note phrase (or `length`-slice passage) of the
    training pieces."""

    def __init__(self, hashes: np.ndarray, length: int = GUARD_NOTES, kind: str = "phrases"):
        self.hashes = np.asarray(hashes, dtype=np.int64)
        self.length, self.kind = length, kind

    @classmethod
    def from_songs(cls, songs: Iterable[Song], length: int = GUARD_NOTES, kind: str = "phrases") -> NoveltyGuard:
        return cls(phrase_hashes(songs, length, kind), length, kind)

    def artifacts(self) -> dict[str, torch.Tensor]:
        """What a checkpoint carries for the guard (hashes, not tunes)."""
        return {"phrase_hashes": torch.from_numpy(self.hashes), "phrase_notes": torch.tensor([self.length]),
                "phrase_kind": torch.tensor([list(KINDS).index(self.kind)])}

    @classmethod
    def from_artifacts(cls, artifacts: dict[str, torch.Tensor]) -> NoveltyGuard | None:
        if "phrase_hashes" not in artifacts:
            return None
        kind = list(KINDS)[int(artifacts["phrase_kind"][0])] if "phrase_kind" in artifacts else "phrases"
        return cls(artifacts["phrase_hashes"].numpy(), int(artifacts["phrase_notes"][0]), kind)

    @property
    def unit(self) -> str:
        """What it guards, for messages: "24-note phrase" or "24-chord passage"."""
        return f"{self.length}-note phrase" if self.kind == "phrases" else f"{self.length}-chord passage"

    def copies(self, song: Song, given: Song | None = None) -> bool:
        """Does the song hold a phrase (or passage) found in the training pieces? Phrases that
        also occur in `given` (a primer or melody the user brought) are the user's, not copies."""
        keys = KINDS[self.kind](song, self.length)
        if given is not None:
            own = set(KINDS[self.kind](given, self.length))
            keys = [key for key in keys if key not in own]
        wanted = np.array([phrase_hash(key) for key in keys], dtype=np.int64)
        return bool(np.isin(wanted, self.hashes, assume_unique=False).any())


def draw_novel(
    draw: Callable[[int, int | None], list[Song]], count: int, guard: NoveltyGuard | None, seed: int | None = None,
    given: Song | None = None,
) -> tuple[list[Song], int]:
    """`count` pieces from `draw(n, seed)`, each that copies, or that has no note at all, drawn again
    (with other seeds, up to MAX_DRAWS rounds); returns the pieces and how many were drawn again for
    copying. Raises CopyError when some piece still copies after the last round. Why silent pieces
    too: a model of parts can write a piece without a note (1 chorale in 256 drawn), which would be a
    file of no bars where `--bars` asked for some. `given`: see `NoveltyGuard.copies`."""
    songs = draw(count, seed)
    redrawn = 0
    for attempt in range(1, MAX_DRAWS + 1):
        copying = [index for index, song in enumerate(songs) if guard is not None and guard.copies(song, given)]
        again = sorted(set(copying) | {index for index, song in enumerate(songs) if not len(song.notes)})
        if not again:
            return songs, redrawn
        redrawn += len(copying)
        fresh = draw(len(again), None if seed is None else derived_seed(seed, attempt))
        for index, song in zip(again, fresh):
            songs[index] = song
    still = 0 if guard is None else sum(guard.copies(song, given) for song in songs)
    if not still:
        return songs, redrawn
    raise CopyError(
        f"{still} of {count} pieces still quote a {guard.unit} of the "
        f"training pieces after {MAX_DRAWS} draws; this model copies (train it on more music, or pass --allow-copies)"
    )

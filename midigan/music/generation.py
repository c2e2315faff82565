"""Generation as a service: what `midigan generate` and the studio both do with a loaded model.

Why one place: turning a request into music goes load -> forms -> sampling share -> primer ->
draw (several pieces for each one kept, resampled by style) -> novelty guard; written twice, the
two front ends drifted (the studio's share, its guard). Every front end builds a `Request`, calls
`generate_music`, and only formats what comes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from midigan.core.rng import derived_seed
from midigan.music.calibration import sampling_options
from midigan.music.form import Forms
from midigan.music.keys import HomeKeys
from midigan.music.novelty import NoveltyGuard, draw_novel
from midigan.music.style import DRAWS, MIN_POOL, POOL_CHUNK, StyleReference

if TYPE_CHECKING:
    from midigan.core.checkpoint import LoadedModel
    from midigan.song import Song


@dataclass
class Request:
    """What to write: `count` pieces of `bars` bars; `melody` to harmonise (models of parts) or
    `primer` to continue (its first `primer_bars` bars); `allow_copies` keeps pieces that quote
    the training music; `draws` pieces are drawn for each one kept where the model holds its
    training music's style (`midigan.music.style`; 1 keeps every draw)."""

    bars: int = 16
    count: int = 1
    seed: int | None = None
    tempo: float = 120.0
    key: str | None = None
    program: int = 0
    temperature: float = 1.0
    melody: Song | None = None
    primer: Song | None = None
    primer_bars: int | None = None
    allow_copies: bool = False
    draws: int = DRAWS


@dataclass
class Generated:
    """The pieces, how many were drawn again because they quoted the training music (a `unit`),
    and the draws setting the pieces were kept by (1: no style resampling; see `Request.draws`)."""

    songs: list[Song]
    redrawn: int
    unit: str
    draws: int = 1


def generate_music(model: LoadedModel, request: Request) -> Generated:
    """The pieces `request` asks of `model`. Raises ValueError (EncodingError, CopyError) with a
    one-line message for a request the model cannot serve."""
    family, artifacts = model.family, model.artifacts
    if request.melody is not None and request.primer is not None:
        raise ValueError("give a melody to harmonise or a primer to continue, not both")
    primer = None
    if request.primer is not None:
        primer = family.primer_for(request.primer, request.bars, request.primer_bars)
    forms, home_keys = Forms.from_artifacts(artifacts), HomeKeys.from_artifacts(artifacts)
    options = sampling_options(artifacts, harmonising=request.melody is not None)
    guard = None if request.allow_copies else NoveltyGuard.from_artifacts(artifacts)
    # the style is the training music's own: a given primer or melody is the user's, kept as it is
    style = StyleReference.from_artifacts(artifacts) if primer is None and request.melody is None else None
    draws = request.draws if style is not None else 1

    def draw(n: int, seed: int | None) -> list[Song]:
        pool, chunk = (max(n * draws, MIN_POOL), max(n, POOL_CHUNK)) if draws > 1 else (n, n)
        songs = []
        for start in range(0, pool, chunk):  # chunk by chunk: the generator works on max(n, POOL_CHUNK) at once
            songs += family.generate(model.generator, request.bars, min(chunk, pool - start), _chunk_seed(seed, start),
                                     forms=forms, tempo=request.tempo, key=request.key, temperature=request.temperature,
                                     primer=primer, melody=request.melody, program=request.program, home_keys=home_keys, **options)
        return style.choose(songs, n, seed) if draws > 1 else songs

    given = primer.song if primer is not None else request.melody
    songs, redrawn = draw_novel(draw, request.count, guard, request.seed, given)
    silent = sum(len(song.notes) == 0 for song in songs)
    if silent:  # a piece of parts at a low temperature can rest throughout: no file of "0 bars"
        raise ValueError(f"{silent} of {len(songs)} pieces came out silent at --temperature {request.temperature:g}:"
                         " a higher temperature lets the model write notes")
    return Generated(songs, redrawn, guard.unit if guard is not None else "", draws)


def _chunk_seed(seed: int | None, start: int) -> int | None:
    """The first chunk draws with `seed` itself (so a pool of one chunk is the family's own draw),
    the later ones with seeds derived from it that no other `--seed` starts with."""
    return seed if seed is None or start == 0 else derived_seed(seed, start)

"""Tunes held out for validation: chosen by tune, with every version of a tune on one side.

Why by tune and by version: windows of one tune overlap, and folk collections and chorale books
hold several versions of one melody (the Essen tunes recur across regions, Bach harmonised one
hymn tune many times). A validation tune whose twin is in the training set rewards memorising:
its likelihood keeps improving while the model learns the training tunes by heart. Versions are
tunes that share at least a fifth of their 8-note phrases: Bach's settings of one hymn tune differ
in rhythm and passing notes and share only 22-42% (BWV 340 and 245.40, "Herzlich lieb hab ich
dich"), while tunes that are not versions rarely share any; at a fifth the largest group among
the 7,603 Essen tunes holds 36. The split is a pure function of the tunes' notes, so a resumed
run, or the same folder moved elsewhere, holds out the same tunes.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict

from midigan.metrics.copying import PHRASE_NOTES, phrase_keys
from midigan.song import Song

VALIDATION_SHARE = 0.1
MAX_VALIDATION_TUNES = 250  # plenty for a stable likelihood; more only slows validation down
SHARED_FOR_VERSIONS = 0.2  # share of a tune's phrases found in another that makes them versions of one tune


def version_groups(songs: list[Song]) -> list[int]:
    """A group number per song: the index of the group's first song. Songs sharing at least a fifth
    of their phrases (either way round) are in one group, and so is every chain of such pairs; so
    are the sections of one file (a tune cut where its meter changes: its A and B parts)."""
    keys = [set(phrase_keys(song, PHRASE_NOTES)) for song in songs]
    holders: dict[bytes, list[int]] = defaultdict(list)
    for index, phrases in enumerate(keys):
        for phrase in phrases:
            holders[phrase].append(index)
    parent = list(range(len(songs)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for index, phrases in enumerate(keys):
        shared = Counter(other for phrase in phrases for other in holders[phrase] if other != index)
        for other, count in shared.items():
            if count >= SHARED_FOR_VERSIONS * len(phrases):
                parent[root(index)] = root(other)
    same_file: dict[str, int] = {}
    for index, song in enumerate(songs):
        if song.source:
            parent[root(index)] = root(same_file.setdefault(song.source, index))
    first: dict[int, int] = {}
    for i in range(len(songs)):
        first.setdefault(root(i), i)
    return [first[root(i)] for i in range(len(songs))]


def validation_size(n_tunes: int, share: float = VALIDATION_SHARE) -> int:
    """How many tunes to hold out: `share` of them, at least 2 from 10 tunes up, none below 5."""
    if n_tunes < 5:
        return 0
    return min(max(round(share * n_tunes), 2 if n_tunes >= 10 else 1), MAX_VALIDATION_TUNES)


def split_by_tune(songs: list[Song], share: float = VALIDATION_SHARE) -> tuple[list[Song], list[Song]]:
    """(training songs, validation songs): whole version groups, in an order fixed by their notes,
    go to validation until it holds `validation_size` tunes; a group larger than that stays in
    training. Both lists keep the songs' order."""
    wanted = validation_size(len(songs), share)
    if wanted == 0:
        return list(songs), []
    groups = version_groups(songs)
    members: dict[int, list[int]] = defaultdict(list)
    for index, group in enumerate(groups):
        members[group].append(index)
    order = sorted(members, key=lambda group: min(_content_hash(songs[i]) for i in members[group]))
    held: set[int] = set()
    for group in order:
        if len(held) >= wanted:
            break
        if len(members[group]) <= wanted - len(held):
            held.update(members[group])
    return [s for i, s in enumerate(songs) if i not in held], [s for i, s in enumerate(songs) if i in held]


def _content_hash(song: Song) -> str:
    """A digest of the notes alone (not the file's name or place)."""
    columns = [song.notes[name].astype("<i8") for name in ("pitch", "onset", "duration")]
    return hashlib.sha1(b"".join(column.tobytes() for column in columns)).hexdigest()

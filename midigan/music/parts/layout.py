"""Which tracks of a folder's pieces play the same part, so a model can learn each part.

Why two ways of matching: collections exported from one source name their tracks the same way in
every file (Soprano, Alto, Tenor, Bass), and a name then says more than anything else: it keeps a
doubling horn track out of the soprano. Elsewhere names are arbitrary ("Track 1", "Violin I"
beside "1st Violin"), and a part is recognised by its General MIDI instrument family and its
place from high to low within that family: the highest of four strings is the first violin.
Drums (channel 10) are a family of their own and never mix with pitched parts. Names are used when
they keep nearly as many pieces as families do.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from midigan.song import Song

FAMILIES = ("piano", "chromatic percussion", "organ", "guitar", "bass", "strings", "ensemble", "brass", "reed",
            "pipe", "synth lead", "synth pad", "synth effects", "ethnic", "percussive", "sound effects")
DRUMS = "drums"
CONSISTENT_NAMES = 0.5  # names shared by this share of a folder's files can identify parts
NAMES_PREFERRED = 1.25  # matching by name is kept unless matching by family keeps this many times the pieces
MAX_VOICES = 4  # a part sounds at most this many notes at once in the model (chords, double stops, a drum kit)
VOICE_QUANTILE = 0.95  # a part gets as many voices as it needs at this share of its onsets


def family_of(program: int, is_drum: bool) -> str:
    """The General MIDI family of a program ("strings" for 40-47), or "drums" for channel 10."""
    return DRUMS if is_drum else FAMILIES[program // 8]


@dataclass(frozen=True)
class Track:
    """One track of one piece, as part matching sees it."""

    index: int
    name: str  # lower-case, spaces squeezed, for matching; "" when the file names none
    label: str  # the name as the file writes it
    family: str
    program: int  # its most used program
    is_drum: bool
    mean_pitch: float
    notes: int


def tracks_of(song: Song) -> list[Track]:
    """The piece's tracks that hold notes, highest sounding first."""
    found = []
    for index in np.unique(song.notes["track"]).tolist():
        notes = song.notes[song.notes["track"] == index]
        program = int(np.bincount(notes["program"].astype(np.int64)).argmax())
        is_drum = bool(notes["is_drum"].any())
        label = re.sub(r"\s+", " ", song.track_names.get(index, "")).strip()
        found.append(Track(index, label.lower(), label, family_of(program, is_drum), program, is_drum,
                           float(notes["pitch"].mean()), len(notes)))
    return sorted(found, key=lambda track: -track.mean_pitch)


@dataclass
class Part:
    """One part of a model: how it is recognised, and what it is written as."""

    name: str  # as shown to people and written as the track name
    family: str
    program: int
    is_drum: bool
    match: str  # the track name it is matched by, or "" when matched by family and rank
    rank: int  # its place from high to low among the layout's parts of its family
    voices: int = 1  # notes it may sound at once in the model


@dataclass
class PartLayout:
    """The parts a folder's pieces share, highest first (drums last)."""

    parts: list[Part]

    def describe(self) -> str:
        return ", ".join(f"{part.name} (program {part.program}{', drums' if part.is_drum else ''}"
                         f"{f', {part.voices} voices' if part.voices > 1 else ''})" for part in self.parts)

    def to_dict(self) -> dict:
        return {"parts": [asdict(part) for part in self.parts]}

    @classmethod
    def from_dict(cls, values: dict) -> PartLayout:
        return cls([Part(**part) for part in values["parts"]])


@dataclass
class PartSearch:
    """What `find_parts` found: the layout, each usable piece's track -> part mapping, and why the
    rest was left out (reason -> files, and tracks not in any part: reason -> tracks)."""

    layout: PartLayout
    pieces: list[tuple[Song, dict[int, int]]]
    files_left_out: dict[str, int] = field(default_factory=dict)
    tracks_left_out: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        files = ", ".join(f"{count} {reason}" for reason, count in sorted(self.files_left_out.items(), key=lambda r: -r[1]))
        tracks = ", ".join(f"{count} {reason}" for reason, count in sorted(self.tracks_left_out.items(), key=lambda r: -r[1]))
        return (f"{len(self.layout.parts)} parts from {len(self.pieces)} pieces: {self.layout.describe()}"
                f"\nleft out: {files or 'no piece'}; tracks left out: {tracks or 'none'}")


def find_parts(songs: list[Song]) -> PartSearch:
    """The parts most of `songs` share and which track plays which part in each piece.

    Raises ValueError (one line) when no piece has a pitched part."""
    summaries = [tracks_of(song) for song in songs]
    named = [s for s in summaries if s and all(track.name for track in s)]
    name_counts = Counter(name for s in named for name in {track.name for track in s})
    common = {name for name, count in name_counts.items() if count >= CONSISTENT_NAMES * len(songs)}
    by_family = _match(songs, summaries, _layout_by_family(summaries))
    search = by_family
    if len(common) > 1:
        by_name = _match(songs, summaries, _layout_by_name(summaries, common))
        if NAMES_PREFERRED * len(by_name.pieces) >= len(by_family.pieces):
            search = by_name
    if not search.layout.parts:
        raise ValueError("no piece has a pitched part")
    _count_voices(search)
    return search


def _match(songs: list[Song], summaries: list[list[Track]], layout: PartLayout) -> PartSearch:
    """Every piece's track -> part mapping under `layout`, and what does not fit."""
    search = PartSearch(layout, [])
    files_left, tracks_left = Counter(), Counter()
    for song, tracks in zip(songs, summaries):
        mapping, missing, extra = _assign(tracks, layout)
        for reason in extra:
            tracks_left[reason] += 1
        if missing:
            files_left[f"missing {missing[0]}"] += 1
        else:
            search.pieces.append((song, mapping))
    search.files_left_out, search.tracks_left_out = dict(files_left), dict(tracks_left)
    return search


def _layout_by_name(summaries: list[list[Track]], names: set[str]) -> PartLayout:
    """One part per common track name, ordered by how high it sounds on average."""
    found: dict[str, list[Track]] = {name: [] for name in names}
    for tracks in summaries:
        for track in tracks:
            if track.name in found:
                found[track.name].append(track)
    parts = []
    for name, tracks in found.items():
        program = Counter(t.program for t in tracks).most_common(1)[0][0]
        is_drum = Counter(t.is_drum for t in tracks).most_common(1)[0][0]
        pitch = float(np.mean([t.mean_pitch for t in tracks]))
        label = Counter(t.label for t in tracks).most_common(1)[0][0]
        parts.append((is_drum, -pitch, Part(label, family_of(program, is_drum), program, is_drum, name, 0)))
    return PartLayout([part for *_, part in sorted(parts, key=lambda item: item[:2])])


def _layout_by_family(summaries: list[list[Track]]) -> PartLayout:
    """The most common set of families (with how many tracks of each), ranked high to low."""
    signatures = Counter(tuple(sorted(Counter(t.family for t in tracks).items())) for tracks in summaries if tracks)
    if not signatures:
        return PartLayout([])
    signature = dict(max(signatures.items(), key=lambda item: (item[1], sum(n for _, n in item[0])))[0])
    parts = []
    for family, count in signature.items():
        for rank in range(count):
            ranked = [[t for t in tracks if t.family == family] for tracks in summaries]
            members = [tracks[rank] for tracks in ranked if len(tracks) == count]
            program = Counter(t.program for t in members).most_common(1)[0][0]
            pitch = float(np.mean([t.mean_pitch for t in members]))
            name = family if count == 1 else f"{family} {rank + 1}"
            parts.append((family == DRUMS, -pitch, Part(name, family, program, family == DRUMS, "", rank)))
    return PartLayout([part for *_, part in sorted(parts, key=lambda item: item[:2])])


def assign_tracks(tracks: list[Track], layout: PartLayout) -> dict[int, int]:
    """Track index -> part index for one piece's tracks under `layout` (parts may stay empty)."""
    return _assign(tracks, layout)[0]


def _assign(tracks: list[Track], layout: PartLayout) -> tuple[dict[int, int], list[str], list[str]]:
    """(track index -> part index, parts with no track, why each other track is left out)."""
    mapping: dict[int, int] = {}
    extra: list[str] = []
    if layout.parts[0].match:
        by_name = {part.match: index for index, part in enumerate(layout.parts)}
        for track in tracks:
            if track.name in by_name and by_name[track.name] not in mapping.values():
                mapping[track.index] = by_name[track.name]
            else:
                extra.append(f"named {track.name or '(no name)'}")
    else:
        for family in {t.family for t in tracks} | {p.family for p in layout.parts}:
            wanted = [i for i, part in enumerate(layout.parts) if part.family == family]
            present = [t for t in tracks if t.family == family]
            kept = sorted(sorted(present, key=lambda t: -t.notes)[: len(wanted)], key=lambda t: -t.mean_pitch)
            for track, part in zip(kept, sorted(wanted, key=lambda i: layout.parts[i].rank)):
                mapping[track.index] = part
            extra += [f"of a {family} part more than the folder's pieces have" for t in present if t not in kept]
    missing = [part.name for index, part in enumerate(layout.parts) if index not in mapping.values()]
    return mapping, missing, extra


def _count_voices(search: PartSearch) -> None:
    """Give each part as many voices as its chords need at VOICE_QUANTILE of its onsets."""
    sizes: dict[int, list[int]] = {index: [] for index in range(len(search.layout.parts))}
    for song, mapping in search.pieces:
        for track, part in mapping.items():
            onsets = song.notes["onset"][song.notes["track"] == track]
            sizes[part].extend(np.unique(onsets, return_counts=True)[1].tolist())
    for index, part in enumerate(search.layout.parts):
        if sizes[index]:
            part.voices = int(min(MAX_VOICES, max(1, np.quantile(sizes[index], VOICE_QUANTILE))))


def parts_only(song: Song, mapping: dict[int, int]) -> Song:
    """The section with only its mapped tracks, each numbered by its part."""
    notes = song.notes[np.isin(song.notes["track"], list(mapping))].copy()
    notes["track"] = [mapping[int(track)] for track in notes["track"]]
    return replace(song, notes=notes, track_names={})

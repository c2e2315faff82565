"""Which tracks of a folder's pieces play the same part, so a model can learn every part.

Why three ways of matching: collections exported from one source name their tracks the same way in
every file (Soprano, Alto, Tenor, Bass), and a name then says more than anything else: it keeps a
doubling horn track out of the soprano. Names are read loosely ("Violin I", "1st Violin" and
"violin 1" are one name) and a name written twice in one piece is two parts (Tenor, Tenor 2).
Elsewhere names are arbitrary ("Track 1", "Cantus II" beside "C2"), and a part is recognised by its
place from high to low: within its General MIDI family when the pieces mix families (a band's
flute, piano and bass), among all pitched tracks when each piece is of one family (voices, viols).
Drums (channel 10) are a family of their own and never mix with pitched parts.

Why every part: a folder of five- and six-voice pieces has six parts, and its five-voice pieces
leave one silent. A part is a name (or a place) that at least PART_SHARE of the pieces have; a
piece with fewer tracks has each of them matched to the part nearest its register (in order, high
to low), the others rest, and the model learns when a part rests.
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
PITCHED = "pitched"  # the group of every pitched track, where families do not tell parts apart
PART_SHARE = 0.1  # a name or place held by this share of the pieces (and by two at least) is a part
MAX_PARTS = 10  # at most this many parts (the most used), so the model stays trainable on a CPU
NAMES_PREFERRED = 1.25  # matching by name is kept unless matching by place keeps this many times the pieces
NAMED_TRACKS = 0.9  # names are used when this share of the tracks is named, and parts by name fit the pieces
MAX_VOICES = 4  # a part sounds at most this many notes at once in the model (chords, double stops, a drum kit)
VOICE_QUANTILE = 0.95  # a part gets as many voices as it needs at this share of its onsets
OCTAVE = 12
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7", "viii": "8", "ix": "9", "x": "10"}


def family_of(program: int, is_drum: bool) -> str:
    """The General MIDI family of a program ("strings" for 40-47), or "drums" for channel 10."""
    return DRUMS if is_drum else FAMILIES[program // 8]


def name_key(label: str) -> str:
    """A track name as parts are matched by: lower case without punctuation, numbers as digits at
    the end and a first one left out ("Violin I", "1st violin" and "Violin" are "violin";
    "Cantus II" and "C2" are "cantus 2" and "c 2")."""
    words = re.sub(r"[^\w]+", " ", label.lower().replace("_", " ")).split()
    ordinal = re.fullmatch(r"(\d+)(st|nd|rd|th)", words[0]) if words else None
    if ordinal and len(words) > 1:
        words = words[1:] + [ordinal.group(1)]
    glued = re.fullmatch(r"([a-z]+?)(\d+)", words[-1]) if words else None
    if glued:
        words = words[:-1] + [glued.group(1), glued.group(2)]
    if len(words) > 1 and words[-1] in _ROMAN:
        words[-1] = _ROMAN[words[-1]]
    if len(words) > 1 and words[-1] == "1":
        words = words[:-1]
    return " ".join(words)


def read_before_utf8(label: str) -> str:
    """A track name as midigan read it before names were decoded as UTF-8: its UTF-8 bytes as
    Latin-1 ("Flöte" was "FlÃ¶te"), the name that runs trained then match their parts by."""
    return label.encode("utf-8").decode("latin-1")


@dataclass(frozen=True)
class Track:
    """One track of one piece, as part matching sees it."""

    index: int
    name: str  # its name_key, numbered when the piece writes it twice ("tenor 2"); "" when the file names none
    label: str  # the name as the file writes it (numbered as its name is)
    family: str
    program: int  # its most used program
    is_drum: bool
    mean_pitch: float
    notes: int


def tracks_of(song: Song) -> list[Track]:
    """The piece's tracks that hold notes, highest sounding first; a name written on two tracks
    is numbered from the higher one down ("tenor", "tenor 2")."""
    found = []
    for index in np.unique(song.notes["track"]).tolist():
        notes = song.notes[song.notes["track"] == index]
        program = int(np.bincount(notes["program"].astype(np.int64)).argmax())
        is_drum = bool(notes["is_drum"].any())
        label = re.sub(r"\s+", " ", song.track_names.get(index, "")).strip()
        found.append(Track(index, name_key(label), label, family_of(program, is_drum), program, is_drum,
                           float(notes["pitch"].mean()), len(notes)))
    found.sort(key=lambda track: -track.mean_pitch)
    taken: set[str] = {track.name for track in found}
    seen: Counter = Counter()
    for position, track in enumerate(found):
        seen[track.name] += 1
        if track.name and seen[track.name] > 1:
            number = seen[track.name]
            while f"{track.name} {number}" in taken:
                number += 1
            taken.add(f"{track.name} {number}")
            found[position] = replace(track, name=f"{track.name} {number}", label=f"{track.label} {number}")
    return found


@dataclass
class Part:
    """One part of a model: how it is recognised, and what it is written as."""

    name: str  # as shown to people and written as the track name
    family: str
    program: int
    is_drum: bool
    match: str  # the track name it is matched by, or "" when matched by its place
    rank: int  # its place from high to low among the layout's parts of its group
    voices: int = 1  # notes it may sound at once in the model
    group: str = ""  # what it is ranked within: its family (also ""), or PITCHED for every pitched track
    pitch: float = 0.0  # its mean pitch in the folder (0: unknown), which a piece of fewer tracks is matched by
    pieces: int = 0  # how many of the folder's pieces play it


@dataclass
class PartLayout:
    """The parts a folder's pieces share, highest first (drums last)."""

    parts: list[Part]

    def describe(self) -> str:
        return ", ".join(f"{part.name} ({part.pieces} pieces, program {part.program}{', drums' if part.is_drum else ''}"
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
    """The parts the pieces of `songs` play and which track plays which part in each piece.

    Raises ValueError (one line) when no piece has a pitched part."""
    summaries = [tracks_of(song) for song in songs]
    by_place = _match(songs, summaries, _layout_by_place(summaries))
    search = by_place
    by_name = _layout_by_name(summaries)
    if by_name is not None:
        named = _match(songs, summaries, by_name)
        if NAMES_PREFERRED * len(named.pieces) >= len(by_place.pieces):
            search = named
    if not search.layout.parts:
        raise ValueError("no piece has a pitched part")
    _count_voices(search)
    return search


def _match(songs: list[Song], summaries: list[list[Track]], layout: PartLayout) -> PartSearch:
    """Every piece's track -> part mapping under `layout`, how many pieces play each part, and
    what does not fit (a piece needs two of the parts, or the one part of a one-part layout)."""
    search = PartSearch(layout, [])
    files_left, tracks_left, plays = Counter(), Counter(), Counter()
    needed = min(2, len(layout.parts))
    for song, tracks in zip(songs, summaries):
        if not layout.parts:
            break
        mapping, extra = _assign(tracks, layout)
        if len(mapping) < needed:
            files_left["with fewer than two of the parts" if needed == 2 else "without the part"] += 1
            continue
        tracks_left.update(extra)
        plays.update(mapping.values())
        search.pieces.append((song, mapping))
    for index, part in enumerate(layout.parts):
        part.pieces = plays[index]
    search.files_left_out, search.tracks_left_out = dict(files_left), dict(tracks_left)
    return search


def _most_common(values) -> object:
    return Counter(values).most_common(1)[0][0]


def _layout_by_name(summaries: list[list[Track]]) -> PartLayout | None:
    """One part per name at least PART_SHARE of the pieces use, ordered by how high it sounds; None
    when the names do not tell parts apart: too few tracks are named, or there are more names than
    a piece has tracks (each source of the folder naming its parts its own way)."""
    tracks = [track for summary in summaries for track in summary]
    if not tracks or sum(bool(track.name) for track in tracks) < NAMED_TRACKS * len(tracks):
        return None
    # each piece's names once, in track order: ties between names then fall in file order, the same in
    # every process (a set's order follows the hash seed, so a run chose other parts on resume)
    counts = Counter(name for summary in summaries for name in dict.fromkeys(track.name for track in summary if track.name))
    enough = max(2.0, PART_SHARE * len(summaries))
    names = [name for name, count in counts.most_common(MAX_PARTS) if count >= enough]
    widest = np.quantile([len(summary) for summary in summaries if summary], NAMED_TRACKS)
    if len(names) < 2 or len(names) > widest:
        return None
    parts = []
    for name in names:
        members = [track for track in tracks if track.name == name]
        program, is_drum = _most_common(t.program for t in members), _most_common(t.is_drum for t in members)
        pitch = float(np.mean([t.mean_pitch for t in members]))
        label = _most_common(t.label for t in members if t.name == name)
        parts.append(Part(label, family_of(program, is_drum), program, is_drum, name, 0, pitch=pitch))
    return PartLayout(_ordered(parts))


def _ordered(parts: list[Part]) -> list[Part]:
    """Pitched parts from high to low, then drums."""
    return sorted(parts, key=lambda part: (part.is_drum, -part.pitch))


def _group_of(track: Track, by_family: bool) -> str:
    return track.family if by_family or track.is_drum else PITCHED


def _layout_by_place(summaries: list[list[Track]]) -> PartLayout:
    """Parts by place from high to low within each group: each family when the folder's pieces mix
    pitched families (the most common piece does), else all pitched tracks together (and drums).
    A group has as many parts as at least PART_SHARE of the pieces have tracks of it."""
    present = [summary for summary in summaries if summary]
    if not present:
        return PartLayout([])
    signatures = Counter(frozenset(t.family for t in summary if not t.is_drum) for summary in present)
    by_family = len(max(signatures.items(), key=lambda item: item[1])[0]) > 1
    enough = max(1.0, min(2.0, 0.5 * len(present)), PART_SHARE * len(present))
    found = []  # (pieces with a track at this place, part)
    for group in sorted({_group_of(t, by_family) for summary in present for t in summary}):
        ranked = [[t for t in summary if _group_of(t, by_family) == group] for summary in present]
        sizes = [len(tracks) for tracks in ranked]
        count = max((n for n in range(1, MAX_PARTS + 1) if sum(size >= n for size in sizes) >= enough), default=0)
        full = [_kept(tracks, count) for tracks in ranked if len(tracks) >= count]
        for rank in range(count):
            members = [tracks[rank] for tracks in full]
            program, is_drum = _most_common(t.program for t in members), group == DRUMS
            named = [t.label for t in members if t.label]
            label = _most_common(named) if named and not is_drum else (group if count == 1 else f"{group} {rank + 1}")
            found.append((sum(size > rank for size in sizes), Part(label, family_of(program, is_drum), program, is_drum, "", rank,
                                                                   group=group, pitch=float(np.mean([t.mean_pitch for t in members])))))
    kept = [part for _, part in sorted(found, key=lambda item: -item[0])[:MAX_PARTS]]
    return PartLayout(_unique_names(_ordered(kept)))


def _unique_names(parts: list[Part]) -> list[Part]:
    """Parts named alike ("Tenor" at two places) numbered from the top: "Tenor", "Tenor 2"."""
    seen: Counter = Counter()
    for part in parts:
        seen[part.name] += 1
        if seen[part.name] > 1:
            part.name = f"{part.name} {seen[part.name]}"
    return parts


def _kept(tracks: list[Track], count: int) -> list[Track]:
    """The `count` tracks with the most notes, highest first."""
    return sorted(sorted(tracks, key=lambda t: -t.notes)[:count], key=lambda t: -t.mean_pitch)


def assign_tracks(tracks: list[Track], layout: PartLayout) -> dict[int, int]:
    """Track index -> part index for one piece's tracks under `layout` (parts may stay empty)."""
    return _assign(tracks, layout)[0]


def _assign(tracks: list[Track], layout: PartLayout) -> tuple[dict[int, int], list[str]]:
    """(track index -> part index, why each other track is left out)."""
    if layout.parts[0].match:
        return _assign_by_name(tracks, layout)
    mapping: dict[int, int] = {}
    extra: list[str] = []
    by_family = not any(part.group == PITCHED for part in layout.parts)  # old layouts (no group) ranked by family
    for group in {_key(part) for part in layout.parts} | {_group_of(t, by_family) for t in tracks}:
        wanted = sorted((i for i, part in enumerate(layout.parts) if _key(part) == group), key=lambda i: layout.parts[i].rank)
        present = [t for t in tracks if _group_of(t, by_family) == group]
        kept = _kept(present, len(wanted))
        places = places_by_register([t.mean_pitch for t in kept], [layout.parts[i].pitch for i in wanted])
        for track, place in zip(kept, places):
            mapping[track.index] = wanted[place]
        extra += [f"of a {group} part more than the folder's pieces have" for t in present if t not in kept]
    return mapping, extra


def _key(part: Part) -> str:
    return part.group or part.family


def _assign_by_name(tracks: list[Track], layout: PartLayout) -> tuple[dict[int, int], list[str]]:
    """Tracks to the parts of their names; a track of another name takes a part no track is named
    for when its register lies within an octave of the part's ("Violoncello" where the folder
    says "Cello"); the rest is left out."""
    by_name = {part.match: index for index, part in enumerate(layout.parts)}
    mapping = {track.index: by_name[track.name] for track in tracks if track.name in by_name}
    for track in tracks:  # a run trained before names were read as UTF-8 stored "flã te" for "Flöte"
        if track.index not in mapping and name_key(read_before_utf8(track.label)) in by_name:
            mapping[track.index] = by_name[name_key(read_before_utf8(track.label))]
    free = [i for i in range(len(layout.parts)) if i not in mapping.values()]
    others = [t for t in tracks if t.index not in mapping]
    for is_drum in (False, True):
        parts = [i for i in free if layout.parts[i].is_drum == is_drum]
        candidates = _kept([t for t in others if t.is_drum == is_drum], len(parts))
        places = places_by_register([t.mean_pitch for t in candidates], [layout.parts[i].pitch for i in parts])
        for track, place in zip(candidates, places):
            if abs(track.mean_pitch - layout.parts[parts[place]].pitch) <= OCTAVE:
                mapping[track.index] = parts[place]
    return mapping, [f"named {t.name or '(no name)'}" for t in tracks if t.index not in mapping]


def places_by_register(pitches: list[float], part_pitches: list[float]) -> list[int]:
    """For tracks sounding at `pitches` (high to low), the places among parts at `part_pitches`
    (high to low, at least as many) that keep their order and lie nearest their registers
    (the parts from the top when the parts' registers are unknown)."""
    n, m = len(pitches), len(part_pitches)
    if n == m or not all(part_pitches):
        return list(range(n))
    distance = np.abs(np.subtract.outer(np.asarray(pitches, float), np.asarray(part_pitches, float)))
    cost = np.full((n + 1, m + 1), np.inf)  # cost[i, j]: the first i tracks placed among the first j parts
    cost[0, :] = 0.0
    for i in range(1, n + 1):
        for j in range(i, m + 1):
            cost[i, j] = min(cost[i, j - 1], cost[i - 1, j - 1] + distance[i - 1, j - 1])
    places, i, j = [], n, m
    while i > 0:
        if cost[i, j] == cost[i - 1, j - 1] + distance[i - 1, j - 1]:
            places.append(j - 1)
            i -= 1
        j -= 1
    return places[::-1]


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

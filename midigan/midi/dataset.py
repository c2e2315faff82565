"""A folder of MIDI files prepared once into a cached dataset of Songs.

Why a cache: reading thousands of files costs seconds to minutes; training runs, evaluation and
re-runs of `prepare` should pay that once. A dataset is a folder holding
- `manifest.json`: settings, and per file (path relative to the songs folder) its size and
  mtime_ns plus either the Song's metadata and its slice of the note table, or why it was skipped;
- `notes-<id>.npz`: every usable file's notes, concatenated (a NOTE_DTYPE array, no pickle).
Re-preparing with the same settings reads only new and changed files and forgets deleted ones.
The manifest is replaced last, by a rename, so an interrupted run leaves the old dataset usable.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from midigan.midi import MidiReadError, read
from midigan.midi.folders import scan
from midigan.song import NOTE_DTYPE, Song

MANIFEST = "manifest.json"
FORMAT = "midigan-dataset"
#: Bump when the reader's output changes, so that old caches are read again.
READER_VERSION = 4  # 3: a file with a silence over MAX_SILENCE_BEATS is skipped; 4: UTF-8 track names
SHOWN_METERS = 8  # the summary names the most used meters only


class DatasetError(Exception):
    """A dataset that cannot be prepared or loaded; the message is one plain line."""


@dataclass
class PrepareSummary:
    """What `prepare` found, for people: counts over the usable files and skip reasons."""

    files_read: int = 0
    from_cache: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> files
    notes: int = 0
    bars: int = 0
    meters: dict[str, int] = field(default_factory=dict)  # "3/4" -> number of songs using it
    tempo_range: tuple[float, float] | None = None  # quarter notes per minute

    def lines(self) -> list[str]:
        """The summary as aligned lines of text."""
        rows = [("files read", f"{self.files_read}  ({self.from_cache} from cache)")]
        rows.append(("files skipped", str(sum(self.skipped.values()))))
        rows += [(f"  {reason}", str(count)) for reason, count in sorted(self.skipped.items(), key=lambda r: -r[1])]
        rows += [("notes", str(self.notes)), ("bars", str(self.bars))]
        meters = sorted(self.meters.items(), key=lambda m: -m[1])
        shown = ", ".join(f"{meter} in {count}" for meter, count in meters[:SHOWN_METERS]) or "-"
        more = f", {len(meters) - SHOWN_METERS} others" if len(meters) > SHOWN_METERS else ""
        rows.append(("meters", shown + more))
        if self.tempo_range:
            low, high = self.tempo_range
            rows.append(("tempo range", f"{low:g} - {high:g} quarter notes per minute"))
        width = max(len(name) for name, _ in rows)
        return [f"{name:<{width}}  {value}" for name, value in rows]


class PrepareResult:
    """What `prepare` did: the summary, the dataset folder, the skipped files; `songs` is loaded
    on first use, so a re-run that only wants the summary (`midigan prepare`) stays fast."""

    def __init__(self, summary: PrepareSummary, path: Path, errors: dict[str, str]) -> None:
        self.summary = summary
        self.path = path  # the dataset folder
        self.errors = errors  # relative path of each skipped file -> why

    @cached_property
    def songs(self) -> list[Song]:
        return load(self.path)


def default_dataset_dir(songs_dir: str | Path, steps_per_beat: int = 12) -> Path:
    """Where an implicit dataset lives: $XDG_CACHE_HOME/midigan/ (default ~/.cache/midigan/),
    keyed by the songs folder's absolute path and the settings, since song folders may be read-only."""
    folder = Path(songs_dir).resolve()
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    key = hashlib.sha256(json.dumps([str(folder), _settings(steps_per_beat)]).encode()).hexdigest()[:16]
    return cache_home / "midigan" / f"{folder.name}-{key}"


def prepare(
    songs_dir: str | Path,
    out: str | Path | None = None,
    steps_per_beat: int = 12,
    workers: int | None = None,
    progress: bool = True,
) -> PrepareResult:
    """Read every .mid/.midi file under `songs_dir` (recursively, any case) into a dataset at `out`
    (default: `default_dataset_dir`), reusing what an earlier run with the same settings read.
    A bad file is skipped with its reason; DatasetError if no file at all is usable."""
    songs_dir = Path(songs_dir)
    if not songs_dir.is_dir():
        raise DatasetError(f"{songs_dir} is not a folder")
    out = Path(out) if out is not None else default_dataset_dir(songs_dir, steps_per_beat)
    files = scan(songs_dir)
    if not files:
        raise DatasetError(f"no .mid or .midi files under {songs_dir}")
    fingerprint = _fingerprint(files, steps_per_beat)
    with _exclusive(out):
        manifest = _existing_manifest(out, steps_per_beat)
        if manifest is not None and manifest["fingerprint"] == fingerprint:
            summary = PrepareSummary(**manifest["summary"])
            summary.from_cache = summary.files_read
            summary.tempo_range = tuple(summary.tempo_range) if summary.tempo_range else None
            errors = manifest["errors"]
        else:
            summary, errors = _update(songs_dir, out, steps_per_beat, files, fingerprint, manifest, workers, progress)
    if summary.files_read == 0:
        reasons = ", ".join(f"{count} {reason}" for reason, count in summary.skipped.items())
        raise DatasetError(f"no usable MIDI file under {songs_dir} ({reasons})")
    return PrepareResult(summary=summary, path=out, errors=errors)


def _update(
    songs_dir: Path,
    out: Path,
    steps_per_beat: int,
    files: dict[str, tuple[int, int]],
    fingerprint: str,
    manifest: dict[str, Any] | None,
    workers: int | None,
    progress: bool,
) -> tuple[PrepareSummary, dict[str, str]]:
    """Read the new and changed files, carry the unchanged ones over, and write the dataset."""
    old_entries, old_notes = _read_entries(out, manifest) if manifest else ({}, np.zeros(0, dtype=NOTE_DTYPE))
    entries: dict[str, dict[str, Any]] = {}
    to_read: list[str] = []
    for relative, (size, mtime_ns) in files.items():
        old = old_entries.get(relative)
        if old is not None and old["size"] == size and old["mtime_ns"] == mtime_ns:
            entries[relative] = old
        else:
            entries[relative] = {"size": size, "mtime_ns": mtime_ns}
            to_read.append(relative)
    fresh = dict(zip(to_read, _read_all(songs_dir, to_read, steps_per_beat, workers, progress)))

    chunks: list[np.ndarray] = []
    start = 0
    for relative, entry in entries.items():
        if relative in fresh:
            outcome = fresh[relative]
            if isinstance(outcome, MidiReadError):
                entry.update(reason=outcome.reason, error=str(outcome))
                continue
            notes, entry["meta"] = outcome
        elif "meta" in entry:
            notes = old_notes[entry["notes"][0] : entry["notes"][1]]
        else:
            continue
        entry["notes"] = [start, start + len(notes)]
        start += len(notes)
        chunks.append(notes)
    all_notes = np.concatenate(chunks) if chunks else np.zeros(0, dtype=NOTE_DTYPE)
    summary = _summarise(entries, set(fresh))
    errors = {relative: entry["error"] for relative, entry in entries.items() if "error" in entry}
    _write_dataset(out, songs_dir, steps_per_beat, fingerprint, entries, all_notes, summary, errors)
    return summary, errors


def load(path: str | Path) -> list[Song]:
    """The Songs of a dataset folder written by `prepare`, in file-path order."""
    path = Path(path)
    manifest = _read_manifest(path)
    entries, notes = _read_entries(path, manifest)
    return _songs(entries, notes, manifest["songs_dir"], manifest["settings"]["steps_per_beat"])


# ---- reading files ------------------------------------------------------------------------------
def _read_one(job: tuple[str, int]) -> tuple[np.ndarray, dict[str, Any]] | MidiReadError:
    """Read one file for the pool: its notes and JSON-able metadata, or the error."""
    path, steps_per_beat = job
    try:
        song = read(path, steps_per_beat)
    except MidiReadError as error:
        return error
    meta = {
        "tempos": song.tempos,
        "time_signatures": song.time_signatures,
        "key_signatures": song.key_signatures,
        "dropped": song.dropped,
        "repaired": song.repaired,
        "track_names": {str(track): name for track, name in song.track_names.items()},
        "n_bars": song.n_bars,
    }
    return song.notes, meta


def _read_all(songs_dir: Path, relatives: list[str], steps_per_beat: int, workers: int | None, progress: bool) -> list:
    """`_read_one` over the files, in a process pool unless one worker is asked for."""
    from tqdm import tqdm

    jobs = [(str(songs_dir / relative), steps_per_beat) for relative in relatives]
    workers = workers or os.cpu_count() or 1
    # a bar only on a terminal: in a log file its redraws are noise (the summary line says what was read)
    bar = tqdm(total=len(jobs), unit="file", desc="reading", disable=not progress or not jobs or not sys.stderr.isatty())
    with bar:
        if workers == 1 or len(jobs) < 2:
            results = []
            for job in jobs:
                results.append(_read_one(job))
                bar.update()
            return results
        chunksize = max(1, min(64, len(jobs) // (workers * 8)))
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = []
            for result in pool.map(_read_one, jobs, chunksize=chunksize):
                results.append(result)
                bar.update()
            return results


# ---- the dataset folder -------------------------------------------------------------------------
@contextmanager
def _exclusive(out: Path) -> Iterator[None]:
    """One prepare at a time per dataset (two terminals, or every process of a torchrun job): the
    others wait, then find the dataset ready. A lock file beside the dataset, as flock releases
    itself when a process dies. Where there is no fcntl (Windows), no lock."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out.parent / f".{out.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _settings(steps_per_beat: int) -> dict[str, int]:
    return {"steps_per_beat": steps_per_beat, "reader_version": READER_VERSION}


def _fingerprint(files: dict[str, tuple[int, int]], steps_per_beat: int) -> str:
    """One hash of every file's path, size and mtime plus the settings: equal means nothing to do."""
    listing = "\n".join(f"{relative}\t{size}\t{mtime}" for relative, (size, mtime) in files.items())
    return hashlib.sha256(f"{_settings(steps_per_beat)}\n{listing}".encode()).hexdigest()


def _read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of a dataset folder; DatasetError if it is not one."""
    try:
        manifest = json.loads((path / MANIFEST).read_text())
    except FileNotFoundError:
        raise DatasetError(f"{path} is not a prepared dataset (no {MANIFEST})") from None
    except (ValueError, OSError):
        raise DatasetError(f"{path} holds a damaged dataset; prepare it again") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise DatasetError(f"{path} is not a midigan dataset")
    return manifest


def _read_entries(path: Path, manifest: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], np.ndarray]:
    """(per-file entries, note table) that `manifest` points to."""
    try:
        entries = json.loads((path / manifest["files_file"]).read_text())
        with np.load(path / manifest["notes_file"], allow_pickle=False) as archive:
            notes = archive["notes"]
    except (ValueError, KeyError, OSError):
        raise DatasetError(f"{path} holds a damaged dataset; prepare it again") from None
    return entries, notes


def _existing_manifest(out: Path, steps_per_beat: int) -> dict[str, Any] | None:
    """The manifest of an earlier run into `out` with the same settings, else None.
    Refuses to take over a non-empty folder that is not a dataset."""
    if not out.exists():
        return None
    if not (out / MANIFEST).exists():
        if out.is_dir() and not any(out.iterdir()):
            return None
        raise DatasetError(f"{out} exists and is not a midigan dataset; choose another output folder")
    try:
        manifest = _read_manifest(out)
    except DatasetError:
        return None
    return manifest if manifest.get("settings") == _settings(steps_per_beat) else None


def _write_dataset(
    out: Path,
    songs_dir: Path,
    steps_per_beat: int,
    fingerprint: str,
    entries: dict[str, dict[str, Any]],
    notes: np.ndarray,
    summary: PrepareSummary,
    errors: dict[str, str],
) -> None:
    """Write the note table and entries under a fresh id, then switch the manifest to them."""
    out.mkdir(parents=True, exist_ok=True)
    run_id = uuid.uuid4().hex[:12]
    notes_file, files_file = f"notes-{run_id}.npz", f"files-{run_id}.json"
    np.savez(out / notes_file, notes=notes)
    (out / files_file).write_text(json.dumps(entries, separators=(",", ":")))
    manifest = {
        "format": FORMAT,
        "settings": _settings(steps_per_beat),
        "songs_dir": str(songs_dir.resolve()),
        "notes_file": notes_file,
        "files_file": files_file,
        "fingerprint": fingerprint,
        "summary": asdict(summary),
        "errors": errors,
    }
    temporary = out / f"{MANIFEST}.tmp"
    temporary.write_text(json.dumps(manifest))
    temporary.replace(out / MANIFEST)
    for stale in [*out.glob("notes-*.npz"), *out.glob("files-*.json")]:
        if stale.name not in (notes_file, files_file):
            stale.unlink()


def _songs(entries: dict[str, dict[str, Any]], notes: np.ndarray, songs_dir: str, steps_per_beat: int) -> list[Song]:
    """Songs of the usable entries, each a view into the note table."""
    songs = []
    for relative, entry in entries.items():
        meta = entry.get("meta")
        if meta is None:
            continue
        start, stop = entry["notes"]
        songs.append(
            Song(
                notes=notes[start:stop],
                steps_per_beat=steps_per_beat,
                tempos=[(step, bpm) for step, bpm in meta["tempos"]],
                time_signatures=[(step, n, d) for step, n, d in meta["time_signatures"]],
                key_signatures=[(step, key) for step, key in meta["key_signatures"]],
                dropped=meta["dropped"],
                source=os.path.join(songs_dir, relative),
                track_names={int(track): name for track, name in meta["track_names"].items()},
                repaired=meta["repaired"],
            )
        )
    return songs


def _summarise(entries: dict[str, dict[str, Any]], fresh: set[str]) -> PrepareSummary:
    """Counts over the manifest entries (no Song needed, so a cached re-run stays fast)."""
    usable = {relative: entry for relative, entry in entries.items() if "meta" in entry}
    meters: Counter[str] = Counter()
    tempos = []
    for entry in usable.values():
        meters.update({f"{n}/{d}" for _, n, d in entry["meta"]["time_signatures"]})
        tempos += [bpm for _, bpm in entry["meta"]["tempos"]]
    return PrepareSummary(
        files_read=len(usable),
        from_cache=len(set(usable) - fresh),
        skipped=dict(Counter(entry["reason"] for entry in entries.values() if "reason" in entry)),
        notes=sum(entry["notes"][1] - entry["notes"][0] for entry in usable.values()),
        bars=sum(entry["meta"]["n_bars"] for entry in usable.values()),
        meters=dict(meters),
        tempo_range=(min(tempos), max(tempos)) if tempos else None,
    )

"""What the studio's buttons do, as plain functions of plain values: the page (`midigan.studio.app`)
only wires them to widgets, and tests can call them without a browser.

Why files on disk: a browser plays, shows and downloads files, so every result is a MIDI file, a
WAV rendered on this machine (FluidSynth when installed, the built-in synthesizer otherwise) and
a piano-roll PNG, in the studio's own scratch folder.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path

MAX_VARIATIONS = 4
MAX_BARS = 64
MAX_UPLOAD_BYTES = 1_000_000  # a MIDI primer is a few kilobytes; anything near this is not one
KEYS = ("as trained", "C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
SAMPLES_SHOWN = 4


class StudioError(ValueError):
    """Something the user can fix; shown in the page as a message."""


@dataclass
class Result:
    """One generated piece as files: MIDI, WAV and piano roll."""

    midi: Path
    wav: Path
    png: Path
    bars: int


class Studio:
    """The studio's state: where runs live, the models loaded so far, a scratch folder (a temporary
    one, removed with the studio, unless `scratch` names one to keep)."""

    def __init__(self, runs: str | Path = "runs", scratch: str | Path | None = None):
        self.runs = Path(runs)
        self.scratch = Path(scratch) if scratch else Path(tempfile.mkdtemp(prefix="midigan-studio-"))
        if not scratch:  # a folder of its own goes when the studio does, or at exit
            weakref.finalize(self, shutil.rmtree, self.scratch, ignore_errors=True)
        self._models: dict[str, object] = {}
        self._lock = threading.Lock()  # one generation at a time: torch runs on one thread here
        self._count = 0

    # ---- models ----------------------------------------------------------------------------------
    def model_names(self) -> list[str]:
        """The shipped models by name, then every music run under `runs` (newest first)."""
        from midigan.music.catalogue import FAMILY_NAMES, SHIPPED

        return list(SHIPPED) + self._runs_of(FAMILY_NAMES)

    def _runs_of(self, families) -> list[str]:
        """Run folders under `runs` of one of `families` (names) with a checkpoint, newest first."""
        from midigan.core.rundir import runs_of

        return [str(run) for run in runs_of(self.runs, families)]

    def model(self, name: str):
        """The loaded model of a shipped name or run folder, kept for the next click."""
        from midigan.core.errors import CheckpointError
        from midigan.music.catalogue import load_music_model, resolve_model

        if name not in self._models:
            path, _ = resolve_model(name, self.runs)
            try:
                self._models[name] = load_music_model(path)
            except CheckpointError as error:
                raise StudioError(str(error)) from None
        return self._models[name]

    # ---- generate --------------------------------------------------------------------------------
    def generate(self, model: str, bars: int, variations: int = 1, key: str = KEYS[0], tempo: float = 120.0,
                 temperature: float = 1.0, seed: int | None = None, primer: str | Path | None = None) -> list[Result]:
        """`variations` new pieces of `bars` bars from `model`, continuing `primer` when given."""
        from midigan.music.generation import Request, generate_music

        bars, variations = int(bars), int(variations)
        if not 1 <= bars <= MAX_BARS:
            raise StudioError(f"bars must be between 1 and {MAX_BARS}")
        if not 1 <= variations <= MAX_VARIATIONS:
            raise StudioError(f"variations must be between 1 and {MAX_VARIATIONS}")
        loaded = self.model(model)
        request = Request(bars, variations, None if seed is None else int(seed), float(tempo),
                          None if key in (None, "", KEYS[0]) else key, temperature=float(temperature),
                          primer=_read_upload(Path(primer), "primer") if primer else None)
        try:
            with self._lock:
                songs = generate_music(loaded, request).songs
        except ValueError as error:
            raise StudioError(str(error)) from None
        return [self._files(song) for song in songs]

    def _files(self, song, picture=None) -> Result:
        """MIDI, WAV and PNG of `song` in the scratch folder; the PNG is `picture` (an RGB array)
        when given, else the song's piano roll."""
        from midigan.core.png import write_png
        from midigan.midi import write
        from midigan.render.audio import render
        from midigan.render.pianoroll import write_pianoroll_png

        self._count += 1
        stem = self.scratch / f"piece-{self._count:04d}"
        write(song, stem.with_suffix(".mid"))
        render(song, stem.with_suffix(".wav"))
        if picture is None:
            write_pianoroll_png(song, stem.with_suffix(".png"))
        else:
            write_png(stem.with_suffix(".png"), picture)
        return Result(stem.with_suffix(".mid"), stem.with_suffix(".wav"), stem.with_suffix(".png"), song.n_bars)

    # ---- translate a tune ------------------------------------------------------------------------
    def transfer_runs(self) -> list[str]:
        """Every `midigan transfer train` run under `runs` with a checkpoint, newest first."""
        from midigan.music.transfer.model import MusicTransferFamily

        return self._runs_of({MusicTransferFamily.name})

    def translate(self, run: str, to: str, tune: str | Path | None) -> Result:
        """The uploaded tune's melody in the pitch language of the run's collection `to` ("A" or
        "B"), its rhythm and bars kept; the picture shows the input above the translation."""
        from midigan.core.checkpoint import load_model
        from midigan.core.errors import CheckpointError
        from midigan.music.transfer.model import MusicTransferFamily, translation_picture

        if to not in ("A", "B"):
            raise StudioError(f"translate into A or B, not {to!r}")
        if not tune:
            raise StudioError("upload a tune (a MIDI file) to translate")
        key = f"transfer:{run}"  # beside the music models, under a name no shipped model or run folder has
        if key not in self._models:
            try:
                self._models[key] = load_model(Path(run), MusicTransferFamily)
            except CheckpointError as error:
                raise StudioError(str(error)) from None
        loaded = self._models[key]
        encoded = loaded.family.encode(_read_upload(Path(tune), "tune"))
        if encoded is None:
            raise StudioError("the tune has no notes to translate")
        with self._lock:
            translated = loaded.family.translate(loaded.generator, encoded, to)
        return self._files(translated, translation_picture(encoded, translated))

    # ---- watch a run -----------------------------------------------------------------------------
    def run_folders(self) -> list[str]:
        """Every run folder under `runs` with a config.json, newest first."""
        if not self.runs.is_dir():
            return []
        found = [child for child in self.runs.iterdir() if (child / "config.json").is_file()]
        return [str(child) for child in sorted(found, key=lambda child: child.stat().st_mtime, reverse=True)]

    def watch(self, run: str) -> tuple[Path | None, str, list[Path]]:
        """(loss plot, the latest figures as text, the latest sample pieces as WAV files) of a run."""
        from midigan.core.runlog import read_metrics

        folder = Path(run)
        if not (folder / "config.json").is_file():
            raise StudioError(f"{run} is not a run folder")
        records = read_metrics(folder / "metrics.jsonl")
        plot = folder / "loss.png"
        return plot if plot.is_file() else None, describe_progress(records), self._sample_audio(folder / "samples")

    def _sample_audio(self, samples: Path) -> list[Path]:
        """The newest samples as WAV (rendered once per file)."""
        from midigan.midi import MidiReadError
        from midigan.render.audio import render

        midis = sorted(samples.glob("*.mid")) if samples.is_dir() else []
        if not midis:
            return []
        newest = midis[-1].name.rsplit("-", 1)[0]
        wavs = []
        for midi in [m for m in midis if m.name.startswith(newest)][:SAMPLES_SHOWN]:
            wav = self.scratch / "samples" / f"{samples.parent.name}-{midi.stem}.wav"
            if not wav.is_file() or wav.stat().st_mtime < midi.stat().st_mtime:
                wav.parent.mkdir(parents=True, exist_ok=True)
                try:
                    render(midi, wav)
                except (MidiReadError, RuntimeError, OSError):  # the trainer is still writing it: next refresh
                    continue
            wavs.append(wav)
        return wavs


def _read_upload(path: Path, what: str):
    """An uploaded MIDI file as a Song, checked: it arrived, is of reasonable size, and reads."""
    from midigan.midi import MidiReadError, read

    if not path.is_file():
        raise StudioError(f"the {what} upload did not arrive; upload it again")
    if path.stat().st_size > MAX_UPLOAD_BYTES:
        raise StudioError(f"the {what} is {path.stat().st_size // 1000} kB; a MIDI {what} must be under "
                          f"{MAX_UPLOAD_BYTES // 1000} kB")
    try:
        return read(path)
    except MidiReadError as error:
        raise StudioError(f"the {what} is not a MIDI file midigan can read: {error}") from None


def describe_progress(records: list[dict]) -> str:
    """The latest losses, D(real), D(fake), steps/s, augmentation and validation figures, as Markdown lines."""
    logged = [record for record in records if "losses" in record]
    checked = [record for record in records if "validation" in record]
    if not logged:
        return "No metrics yet: the run has not logged a step."
    last = logged[-1]
    lines = [f"**step {last['step']}** ({last['phase']}), {last['steps_per_s']:.2f} steps/s"]
    lines.append("losses: " + ", ".join(f"{name} {value:.3f}" for name, value in last["losses"].items()))
    if "d_real" in last:
        lines.append(f"D(real) {last['d_real']:.3f}, D(fake) {last['d_fake']:.3f}")
    if "augment" in last:
        lines.append(f"augmentation probability {last['augment']['p']:.2f} (E[sign D(real)] {last['augment']['r_t']:.2f})")
    if checked:
        best = [record for record in checked if record.get("best")]
        figures = ", ".join(f"{name} {value:.3g}" for name, value in checked[-1]["validation"].items() if name != "score")
        lines.append(f"validation at step {checked[-1]['step']}: {figures}")
        if best:
            lines.append(f"best checkpoint: step {best[-1]['step']}")
    return "  \n".join(lines)

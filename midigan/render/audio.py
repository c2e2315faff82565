"""Songs to audio: through FluidSynth and a General MIDI soundfont when installed, else a small
built-in additive synthesizer, so that every machine can listen to its tunes.

    render("tune.mid", "tune.wav")          # or render(song, ...); returns "fluidsynth" or "builtin"
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from midigan.song import Song

#: Soundfonts looked for, in order, after $MIDIGAN_SOUNDFONT (Debian's fluid-soundfont-gm first).
SOUNDFONT_PATHS = (
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "/usr/share/sounds/sf2/default-GM.sf2",
    "/usr/share/soundfonts/FluidR3_GM.sf2",
    "/usr/share/soundfonts/default.sf2",
)
SYNTHS = ("auto", "fluidsynth", "builtin")
#: Seconds of audio after the last note-off, so the final note fades instead of clicking.
RELEASE_SECONDS = 0.25
_ATTACK_SECONDS = 0.01
_DECAY_SECONDS = 0.4
_SUSTAIN_LEVEL = 0.5
_HARMONICS = np.array([1.0, 0.5, 0.25, 0.12])


def find_soundfont() -> Path | None:
    """The General MIDI soundfont to use: $MIDIGAN_SOUNDFONT, else the first installed one."""
    candidates = [os.environ["MIDIGAN_SOUNDFONT"]] if os.environ.get("MIDIGAN_SOUNDFONT") else []
    for candidate in [*candidates, *SOUNDFONT_PATHS]:
        if Path(candidate).is_file():
            return Path(candidate)
    return None


def fluidsynth_available() -> bool:
    """True when both the fluidsynth program and a soundfont are installed."""
    return shutil.which("fluidsynth") is not None and find_soundfont() is not None


def step_seconds(song: Song, steps: np.ndarray) -> np.ndarray:
    """Time in seconds of grid steps, following the song's tempo map."""
    tempo_steps = np.array([step for step, _ in song.tempos], dtype=np.int64)
    seconds_per_step = 60.0 / (np.array([qpm for _, qpm in song.tempos], dtype=float) * song.steps_per_beat)
    segment_start = np.concatenate([[0.0], np.cumsum(np.diff(tempo_steps) * seconds_per_step[:-1])])
    segment = np.searchsorted(tempo_steps, steps, side="right") - 1
    return segment_start[segment] + (np.asarray(steps) - tempo_steps[segment]) * seconds_per_step[segment]


def _tone(pitch: int, seconds: float, sample_rate: int) -> np.ndarray:
    """One pitched note: a few harmonics under an attack-decay-sustain-release envelope."""
    frequency = 440.0 * 2.0 ** ((pitch - 69) / 12)
    t = np.arange(int((seconds + RELEASE_SECONDS) * sample_rate)) / sample_rate
    harmonics = np.arange(1, len(_HARMONICS) + 1)
    audible = harmonics * frequency < sample_rate / 2
    wave = (_HARMONICS[audible, None] * np.sin(2 * np.pi * frequency * harmonics[audible, None] * t)).sum(axis=0)
    level = _SUSTAIN_LEVEL + (1 - _SUSTAIN_LEVEL) * np.exp(-t / _DECAY_SECONDS)
    envelope = np.minimum(t / _ATTACK_SECONDS, 1.0) * level
    released = t > seconds
    envelope[released] *= np.clip(1 - (t[released] - seconds) / RELEASE_SECONDS, 0.0, 1.0)
    return wave * envelope


def _drum_hit(sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """A drum as a short burst of decaying noise: rhythm stays audible without samples."""
    t = np.arange(int(0.15 * sample_rate)) / sample_rate
    return 0.5 * rng.standard_normal(len(t)) * np.exp(-t / 0.03)


def synthesize(song: Song, sample_rate: int = 44100) -> np.ndarray:
    """Mono float32 audio of the song from the built-in synthesizer, peak at 0.9 (silence if no notes)."""
    notes = song.notes
    onsets = step_seconds(song, notes["onset"])
    offsets = step_seconds(song, notes["onset"] + notes["duration"])
    length = int(np.ceil(((offsets.max() if len(notes) else 0.0) + RELEASE_SECONDS) * sample_rate))
    audio = np.zeros(length)
    rng = np.random.default_rng(0)
    for note, start, stop in zip(notes, onsets, offsets):
        sound = _drum_hit(sample_rate, rng) if note["is_drum"] else _tone(int(note["pitch"]), stop - start, sample_rate)
        first = int(start * sample_rate)
        sound = sound[: length - first] * (note["velocity"] / 127)
        audio[first : first + len(sound)] += sound
    peak = np.abs(audio).max() if length else 0.0
    return (audio * (0.9 / peak) if peak > 0 else audio).astype(np.float32)


def _render_fluidsynth(midi_path: Path, out_wav: Path, sample_rate: int) -> None:
    command = ["fluidsynth", "-ni", "-g", "0.6", "-r", str(sample_rate), "-T", "wav", "-F", str(out_wav)]
    command += [str(find_soundfont()), str(midi_path)]
    out_wav.unlink(missing_ok=True)  # so that a stale file cannot pass for fluidsynth's output
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        raise RuntimeError("fluidsynth failed: still rendering after 10 minutes") from None
    if result.returncode != 0 or not out_wav.is_file():
        said = (result.stderr or result.stdout).strip().splitlines()
        raise RuntimeError(f"fluidsynth failed: {said[-1] if said else f'exit status {result.returncode}'}")


def _released(path: Path, folder: Path) -> Path | None:
    """The file FluidSynth should play for `path`: the file itself, controllers and all, when every
    note in it is released; else a copy in `folder` with note-offs added at each track's end for the
    notes still sounding (and a sustain pedal still down lifted), because on an organ FluidSynth
    sounded a never-released note for ever (5.8 GB of WAV in two minutes). Drum hits without
    note-offs, common in General MIDI files, are released the same way, and nothing else changes.
    None when mido cannot parse the file (the song as read is played instead).
    """
    import mido

    try:
        midi = mido.MidiFile(path)
    except (OSError, EOFError, ValueError, KeyError, IndexError):
        return None
    copied = False
    for track in midi.tracks:
        sounding: set[tuple[int, int]] = set()
        pedal_down: set[int] = set()
        for message in track:
            if message.type == "note_on" and message.velocity > 0:
                sounding.add((message.channel, message.note))
            elif message.type in ("note_on", "note_off"):
                sounding.discard((message.channel, message.note))
            elif message.type == "control_change" and message.control == 64:
                (pedal_down.add if message.value >= 64 else pedal_down.discard)(message.channel)
        added = [mido.Message("control_change", channel=channel, control=64, value=0) for channel in sorted(pedal_down)]
        added += [mido.Message("note_off", channel=channel, note=note) for channel, note in sorted(sounding)]
        if added:
            end = len(track) - 1 if track and track[-1].type == "end_of_track" else len(track)
            if end < len(track):  # the note-offs come when the track ends, not before its last wait
                added[0].time, track[end].time = track[end].time, 0
            track[end:end] = added
            copied = True
    if not copied:
        return path
    released = folder / "released.mid"
    midi.save(released)
    return released


def render(song_or_path: Song | str | Path, out_wav: str | Path, sample_rate: int = 44100, synth: str = "auto") -> str:
    """Write the song (or MIDI file) as a WAV file; returns the synthesizer used.

    synth: "fluidsynth" (needs the program and a GM soundfont), "builtin", or "auto" (FluidSynth
    when available). Raises MidiReadError for an unreadable MIDI file (FluidSynth plays any file mido
    parses as it is, unchecked by midigan's reader), ValueError for a bad synth, RuntimeError when
    FluidSynth is asked for but missing or fails.
    """
    if synth not in SYNTHS:
        raise ValueError(f"unknown synthesizer {synth!r}; choose one of {', '.join(SYNTHS)}")
    out_wav = Path(out_wav)
    if synth == "auto":
        synth = "fluidsynth" if fluidsynth_available() else "builtin"
    if synth == "fluidsynth" and not fluidsynth_available():
        raise RuntimeError("fluidsynth needs the fluidsynth program and a General MIDI soundfont (.sf2)")
    if synth == "fluidsynth":
        with tempfile.TemporaryDirectory() as folder:
            given_file = isinstance(song_or_path, (str, Path))
            midi_path = _released(Path(song_or_path), Path(folder)) if given_file else None
            if midi_path is None:  # a song, or a file mido cannot parse: played as midigan reads it
                from midigan.midi import write

                midi_path = Path(folder) / "song.mid"
                write(_song(song_or_path), midi_path)
            _render_fluidsynth(midi_path, out_wav, sample_rate)
        return synth
    import soundfile

    soundfile.write(str(out_wav), synthesize(_song(song_or_path), sample_rate), sample_rate, subtype="PCM_16")
    return synth


def _song(song_or_path: Song | str | Path) -> Song:
    """The song, or the MIDI file read as one: read only where the notes are needed, since FluidSynth
    plays a file as it is."""
    if not isinstance(song_or_path, (str, Path)):
        return song_or_path
    from midigan.midi import read

    return read(song_or_path)

"""Rendering to audio: the built-in synthesizer always, FluidSynth where it is installed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile
from click.testing import CliRunner
from support import FOLK, make_song

from midigan.cli import main
from midigan.midi import read
from midigan.render import audio

RATE = 22050
needs_fluidsynth = pytest.mark.skipif(not audio.fluidsynth_available(), reason="fluidsynth or a GM soundfont missing")


def peak_frequency(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / RATE)[spectrum.argmax()])


def test_builtin_follows_the_tempo_map_and_sounds_each_pitch(tmp_path):
    # A4 for 4 beats at 120 bpm (2 s), then E5 for 2 beats at 60 bpm (2 s)
    song = make_song([(69, 0, 48), (76, 48, 24)], tempos=[(0, 120.0), (48, 60.0)])
    assert audio.step_seconds(song, np.array([0, 48, 72])).tolist() == [0.0, 2.0, 4.0]
    assert audio.render(song, tmp_path / "a.wav", sample_rate=RATE, synth="builtin") == "builtin"
    samples, rate = soundfile.read(tmp_path / "a.wav")
    assert rate == RATE
    assert len(samples) == int(np.ceil((4.0 + audio.RELEASE_SECONDS) * RATE))
    first, second = samples[: int(1.9 * RATE)], samples[int(2.1 * RATE) : int(3.9 * RATE)]
    assert peak_frequency(first) == pytest.approx(440.0, rel=0.01)
    assert peak_frequency(second) == pytest.approx(440.0 * 2 ** (7 / 12), rel=0.01)
    assert np.sqrt(np.mean(second**2)) > 0.05  # not silent


def test_builtin_renders_a_real_tune_from_its_file(tmp_path):
    path = sorted(FOLK.glob("*.mid"))[0]
    song = read(path)
    audio.render(path, tmp_path / "tune.wav", sample_rate=RATE, synth="builtin")
    info = soundfile.info(tmp_path / "tune.wav")
    expected = audio.step_seconds(song, np.array([song.end]))[0] + audio.RELEASE_SECONDS
    assert info.duration == pytest.approx(expected, abs=0.01)


def test_unknown_or_missing_synthesizer_is_refused(tmp_path, monkeypatch):
    song = make_song([(60, 0, 12)])
    with pytest.raises(ValueError, match="unknown synthesizer"):
        audio.render(song, tmp_path / "a.wav", synth="moog")
    monkeypatch.setattr(audio.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="fluidsynth needs"):
        audio.render(song, tmp_path / "a.wav", synth="fluidsynth")
    assert audio.render(song, tmp_path / "a.wav", sample_rate=RATE) == "builtin"  # auto falls back


@needs_fluidsynth
def test_fluidsynth_renders_a_song_and_a_file(tmp_path):
    path = sorted(FOLK.glob("*.mid"))[0]
    song = read(path)
    seconds = audio.step_seconds(song, np.array([song.end]))[0]
    for source in (path, song):
        assert audio.render(source, tmp_path / "f.wav", sample_rate=RATE, synth="fluidsynth") == "fluidsynth"
        samples, rate = soundfile.read(tmp_path / "f.wav")
        assert rate == RATE
        assert seconds <= len(samples) / RATE < seconds + 5  # fluidsynth lets the last note ring out
        assert np.abs(samples).max() > 0.01


def test_fluidsynth_given_a_file_reads_it_once_for_itself_not_again_as_a_song(tmp_path, monkeypatch):
    """render() read the file with midigan's reader too, though FluidSynth plays the file itself."""
    import midigan.midi

    monkeypatch.setattr(audio, "fluidsynth_available", lambda: True)
    monkeypatch.setattr(audio, "_render_fluidsynth", lambda path, out, rate: None)
    (tmp_path / "bad.mid").write_bytes(b"not midi")
    with pytest.raises(midigan.midi.MidiReadError):  # what mido cannot parse is read as a song, and fails as one
        audio.render(tmp_path / "bad.mid", tmp_path / "a.wav", synth="fluidsynth")
    read_as_songs = []
    monkeypatch.setattr(midigan.midi, "read", lambda path, *given, **named: read_as_songs.append(path))
    audio.render(sorted(FOLK.glob("*.mid"))[0], tmp_path / "a.wav", synth="fluidsynth")
    assert read_as_songs == []


def test_render_command_writes_audio_and_piano_roll(tmp_path):
    path = sorted(FOLK.glob("*.mid"))[0]
    result = CliRunner().invoke(
        main, ["render", str(path), str(tmp_path / "t.wav"), "--synth", "builtin", "--sample-rate", str(RATE),
               "--pianoroll", str(tmp_path / "t.png")],
    )
    assert result.exit_code == 0, result.output
    assert soundfile.info(tmp_path / "t.wav").samplerate == RATE
    assert (tmp_path / "t.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    (tmp_path / "bad.mid").write_bytes(b"not midi")
    failed = CliRunner().invoke(main, ["render", str(tmp_path / "bad.mid"), str(tmp_path / "b.wav")])
    assert failed.exit_code == 1 and failed.output.startswith("Error: ") and "Traceback" not in failed.output
    mp3 = CliRunner().invoke(main, ["render", str(path), str(tmp_path / "t.mp3")])  # was WAV data under an .mp3 name
    assert mp3.exit_code == 1 and mp3.output.strip().endswith("name the output .wav") and not (tmp_path / "t.mp3").exists()


def test_render_command_makes_the_folders_it_writes_into(tmp_path):
    path = sorted(FOLK.glob("*.mid"))[0]  # a piano roll for a folder not there yet ended in a FileNotFoundError traceback
    wav, png = tmp_path / "audio" / "t.wav", tmp_path / "rolls" / "t.png"
    result = CliRunner().invoke(main, ["render", str(path), str(wav), "--synth", "builtin", "--sample-rate", str(RATE),
                                       "--pianoroll", str(png)])
    assert result.exit_code == 0, result.output
    assert soundfile.info(wav).samplerate == RATE and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_render_command_interrupted_leaves_no_half_written_audio(tmp_path, monkeypatch):
    def interrupted(source, out_wav, **settings):  # as Ctrl-C while FluidSynth writes a long piece
        Path(out_wav).write_bytes(b"RIFF" + bytes(1000))
        raise KeyboardInterrupt

    monkeypatch.setattr(audio, "render", interrupted)
    result = CliRunner().invoke(main, ["render", str(sorted(FOLK.glob("*.mid"))[0]), str(tmp_path / "t.wav")])
    assert result.exit_code != 0
    assert list(tmp_path.iterdir()) == []


def _one_track_file(path: Path, messages: list) -> Path:
    import mido

    midi = mido.MidiFile()
    midi.tracks.append(mido.MidiTrack(messages))
    midi.save(path)
    return path


def test_fluidsynth_plays_the_file_itself_with_only_the_missing_note_offs_added(tmp_path, monkeypatch):
    # an organ note without its note-off sounded for ever: 5.8 GB of WAV in two minutes, until killed;
    # drum hits without note-offs are common in General MIDI files and lost nothing of theirs
    import mido

    volume = mido.Message("control_change", channel=0, control=7, value=90)
    organ = [mido.Message("program_change", program=19), volume]
    for pitch in (60, 62, 64):
        organ += [mido.Message("note_on", note=pitch, velocity=80), mido.Message("note_off", note=pitch, time=480)]
    organ += [mido.Message("note_on", note=72, velocity=80), mido.MetaMessage("end_of_track", time=480)]
    drums = [mido.Message("control_change", channel=9, control=10, value=20)]
    drums += [mido.Message("note_on", channel=9, note=36, velocity=100, time=240) for _ in range(4)]
    drums += [mido.Message("note_on", channel=0, note=60, velocity=80), mido.Message("note_off", note=60, time=480)]
    hanging = _one_track_file(tmp_path / "hanging.mid", organ)
    drum_file = _one_track_file(tmp_path / "drums.mid", drums)
    clean = sorted(FOLK.glob("*.mid"))[0]
    given = []
    monkeypatch.setattr(audio, "fluidsynth_available", lambda: True)
    record = lambda path, out, rate: given.append((path, mido.MidiFile(path), read(path).end))  # noqa: E731
    monkeypatch.setattr(audio, "_render_fluidsynth", record)
    for source in (hanging, drum_file, clean):
        audio.render(source, tmp_path / "a.wav", synth="fluidsynth")
    for source, (_, played, _) in zip((hanging, drum_file), given):
        original = list(mido.MidiFile(source).tracks[0])
        added = [m for m in played.tracks[0] if m not in original and m.type != "end_of_track"]
        assert [message.type for message in added] == ["note_off"] * len(added) and added, added
        assert sum(message.time for message in played.tracks[0]) == sum(message.time for message in original)
        assert all(message in played.tracks[0] for message in original if message.type != "end_of_track")
    assert [(m.channel, m.note) for m in given[0][1].tracks[0] if m.type == "note_off"][-1] == (0, 72)
    assert given[0][2] == read(hanging).end  # the organ note ends with its track
    assert given[2][0] == clean  # a well-formed file goes as it is

    def too_long(*arguments, **settings):
        raise audio.subprocess.TimeoutExpired("fluidsynth", 600)

    monkeypatch.undo()
    monkeypatch.setattr(audio, "fluidsynth_available", lambda: True)
    monkeypatch.setattr(audio.subprocess, "run", too_long)
    result = CliRunner().invoke(main, ["render", str(clean), str(tmp_path / "t.wav"), "--synth", "fluidsynth"])
    assert result.exit_code == 1 and result.output.strip().endswith("still rendering after 10 minutes"), result.output

"""Pieces in several parts: part detection on mido-written files, the grid round trip on every
multi-part shared file, training and generation end to end, harmonisation and its errors."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import mido
import numpy as np
import pretty_midi
import pytest
import torch
from support import MIDI as DATA
from support import SHARED_DATA as SHARED
from support import midigan as run

from midigan.core.checkpoint import load_checkpoint, resolve_checkpoint
from midigan.midi import read
from midigan.music.parts.grid import GridVocabulary, from_grid, quantise, to_grid
from midigan.music.parts.layout import find_parts, parts_only, tracks_of

from .band import band_file, band_folder

FOLK = DATA / "folk"

pytestmark = pytest.mark.usefixtures("in_scratch_folder")


def test_parts_are_found_in_format_0_and_format_1_files_with_drums_apart(tmp_path: Path) -> None:
    songs = [read(path) for path in sorted(band_folder(tmp_path / "band").glob("*.mid"))]
    assert [len(tracks_of(song)) for song in songs] == [4] * 6  # format 0 split by channel, the empty track ignored
    search = find_parts(songs)
    parts = search.layout.parts
    assert [(part.family, part.program, part.is_drum) for part in parts] == [
        ("pipe", 73, False), ("piano", 0, False), ("bass", 33, False), ("drums", 0, True)]
    assert len(search.pieces) == 6
    assert parts[1].voices == 3 and parts[0].voices == 1  # the piano plays triads
    assert parts[3].voices == 2  # kick or snare with the hi-hat


def test_a_track_that_changes_program_keeps_its_most_used_one(tmp_path: Path) -> None:
    song = read(band_file(tmp_path / "a.mid", program_change=True))
    flute = tracks_of(song)[0]
    assert flute.program == 73 and set(song.notes["program"][song.notes["track"] == flute.index]) == {73, 74}


def _wide(layout) -> GridVocabulary:
    """Every pitch allowed in every voice."""
    voices = sum(part.voices for part in layout.parts)
    return GridVocabulary((4, 4), layout, (0,) * voices, (127,) * voices)


def _through_the_grid(song, mapping, layout):
    """(the song's learned parts, quantised; the same through the grid and back)."""
    full = quantise(parts_only(song, mapping))
    grid = to_grid(full, {part: part for part in range(len(layout.parts))}, _wide(layout))
    return full, from_grid(grid, _wide(layout), steps_per_beat=song.steps_per_beat, key=None)


def _round_trip_checks(song, mapping, layout) -> None:
    """Parts-only, quantised notes come back from the grid unchanged, with programs and drums."""
    full, back = _through_the_grid(song, mapping, layout)
    for part in range(len(layout.parts)):
        original = full.notes[full.notes["track"] == part][["pitch", "onset", "duration"]]
        decoded = back.notes[back.notes["track"] == part]
        assert sorted(original.tolist()) == sorted(decoded[["pitch", "onset", "duration"]].tolist()), layout.parts[part].name
        if len(original):  # a part the piece does not play stays silent
            assert set(decoded["program"]) == {layout.parts[part].program}
            assert set(decoded["is_drum"]) == {layout.parts[part].is_drum}


def test_band_pieces_survive_the_grid_with_drums_on_channel_10(tmp_path: Path) -> None:
    songs = [read(path) for path in sorted(band_folder(tmp_path / "band").glob("*.mid"))]
    search = find_parts(songs)
    for song, mapping in search.pieces:
        _round_trip_checks(song, mapping, search.layout)
    from midigan.midi import write

    written = tmp_path / "back.mid"
    write(_through_the_grid(*search.pieces[0], search.layout)[1], written)
    channels = {message.channel for track in mido.MidiFile(written).tracks for message in track if message.type == "note_on"}
    assert 9 in channels and len(pretty_midi.PrettyMIDI(str(written)).instruments) == 4


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared data set is not next to this checkout")
@pytest.mark.parametrize("collection", ["bach", "madrigals", "chamber"])
def test_every_multi_part_shared_file_survives_the_grid(collection: str) -> None:
    from midigan.midi.dataset import prepare

    songs = prepare(SHARED / collection, progress=False).songs
    search = find_parts(songs)
    for song, mapping in search.pieces:
        for part in search.layout.parts:  # a voice for every note sounding at once, so none is cut
            part.voices = 1
        for track, part in mapping.items():
            search.layout.parts[part].voices = _most_at_once(quantise(song).notes, track)
        _round_trip_checks(song, mapping, search.layout)


def _most_at_once(notes, track: int) -> int:
    notes = notes[notes["track"] == track]
    changes = np.concatenate([np.stack([notes["onset"], np.ones(len(notes))], 1),
                              np.stack([notes["onset"] + notes["duration"], -np.ones(len(notes))], 1)])
    changes = changes[np.lexsort((changes[:, 1], changes[:, 0]))]  # ends before starts at one step
    return max(1, int(np.cumsum(changes[:, 1]).max()))


def _one_error_line(result, fragment: str) -> None:
    lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert result.exit_code == 1 and len(lines) == 1 and fragment in lines[0], result.output


def test_a_band_folder_trains_all_parts_and_generates_every_part(tmp_path: Path) -> None:
    band_folder(tmp_path / "band")
    trained = run("train", "band", "--max-steps", 4, "--pretrain-steps", 2, "--window", 32, "--hidden", 16, "--quiet")
    assert trained.exit_code == 0, trained.output
    assert "4 parts from 6 pieces" in trained.output
    settings = json.loads((tmp_path / "runs" / "band-1" / "config.json").read_text())["train"]
    assert settings["batch_size"] == 32  # a model of parts' own recipe (its checks every 25 steps need held-out pieces)
    style = load_checkpoint(resolve_checkpoint(tmp_path / "runs" / "band-1"))["artifacts"]["style_reference"]
    assert style.shape[1] == 8 * 4 and torch.isfinite(style).all()  # the training pieces' style, per part, for --draws

    made = run("generate", "--model", "runs/band-1", "--bars", 5, "--seed", 2, "--png", "out.mid")
    assert made.exit_code == 0, made.output
    song = read(tmp_path / "out.mid")
    assert song.n_bars == 5 and song.end == 5 * song.bar_length()
    programs = {int(t): (int(song.notes["program"][song.notes["track"] == t][0]), bool(song.notes["is_drum"][song.notes["track"] == t][0]))
                for t in np.unique(song.notes["track"])}
    assert sorted(programs.values()) <= sorted([(73, False), (0, False), (33, False), (0, True)])
    midi = mido.MidiFile(tmp_path / "out.mid")
    if any(is_drum for _, is_drum in programs.values()):
        assert any(m.type == "note_on" and m.channel == 9 for track in midi.tracks for m in track)
    assert len(pretty_midi.PrettyMIDI(str(tmp_path / "out.mid")).instruments) == len(programs)
    assert (tmp_path / "out.png").read_bytes().startswith(b"\x89PNG")

    melody_only = run("train", "band", "--parts", "melody", "--max-steps", 2, "--pretrain-steps", 1, "--window", 16,
                      "--hidden", 16, "--quiet")
    assert melody_only.exit_code == 0 and "tunes in 4/4" in melody_only.output, melody_only.output


def test_harmonising_follows_the_melody_and_refuses_what_it_cannot_use(tmp_path: Path) -> None:
    band_folder(tmp_path / "band")
    assert run("train", "band", "--run-dir", "poly", "--max-steps", 3, "--pretrain-steps", 2, "--window", 32, "--hidden", 16,
               "--quiet").exit_code == 0
    tunes = [path for path in sorted(FOLK.glob("*.mid")) if read(path).time_signatures[0][1:] == (4, 4)][:2]
    outputs = []
    for index, tune in enumerate(tunes):
        made = run("generate", "--model", "poly", "--melody", tune, "--seed", 5, f"h{index}.mid")
        assert made.exit_code == 0, made.output
        outputs.append(read(tmp_path / f"h{index}.mid"))
        given = quantise(read(tune).melody())
        top = outputs[-1].notes[outputs[-1].notes["track"] == 0]
        assert len(top) and set(top["pitch"] % 12) <= set(given.notes["pitch"] % 12)
        assert outputs[-1].n_bars >= read(tune).n_bars - 1  # as many bars as the melody (its pickup left out)
    others = [song.notes[song.notes["track"] > 0][["pitch", "onset"]].tolist() for song in outputs]
    assert others[0] != others[1]  # the other parts change with the melody

    waltz = tmp_path / "waltz.mid"
    from midigan.midi import write

    write(dataclasses.replace(read(tunes[0]), time_signatures=[(0, 3, 4)]), waltz)
    _one_error_line(run("generate", "--model", "poly", "--melody", waltz, "x.mid"), "the melody is in 3/4")
    assert run("train", FOLK, "--run-dir", "tunes", "--max-steps", 1, "--pretrain-steps", 1, "--window", 16, "--hidden", 16,
               "--quiet").exit_code == 0
    _one_error_line(run("generate", "--model", "tunes", "--melody", tunes[0], "x.mid"), "--melody needs a model of several parts")
    _one_error_line(run("generate", "--bars", 100000000, "x.mid"), "--bars must be between 1 and")
    _one_error_line(run("generate", "--count", 5000, "x"), "--count must be between 1 and")

"""Preparing a folder into a cached dataset, and loading it back."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from support import MIDI as SAMPLE_DATA

import midigan.midi.dataset as dataset
from midigan.midi import read
from midigan.midi.dataset import DatasetError, load, prepare
from midigan.midi.folders import midi_files

from .conftest import notes, save

BAD_REASONS = {"not a MIDI file": 1, "truncated": 1, "drums only": 1}


@pytest.fixture
def songs_dir(tmp_path: Path) -> Path:
    """Six real tunes in nested folders (one with an upper-case suffix) plus three bad files."""
    folder = tmp_path / "songs"
    (folder / "bach").mkdir(parents=True)
    (folder / "folk" / "deep").mkdir(parents=True)
    bach = sorted((SAMPLE_DATA / "bach").glob("*.mid"))[:2]
    folk = sorted((SAMPLE_DATA / "folk").glob("*.mid"))[:4]
    for path in bach:
        shutil.copy(path, folder / "bach" / path.name)
    for i, path in enumerate(folk):
        target = folder / "folk" / ("deep" if i % 2 else "") / (path.stem + (".MIDI" if i == 0 else ".mid"))
        shutil.copy(path, target)
    (folder / "notes.mid").write_text("not music")
    (folder / "cut.mid").write_bytes(bach[0].read_bytes()[:300])
    save(folder / "drums.mid", [notes((36, 0, 240), channel=9)])
    (folder / "readme.txt").write_text("ignored")
    return folder


def count_reads(monkeypatch) -> list[str]:
    """Record the paths that the dataset reads from now on (in-process reading only)."""
    seen: list[str] = []

    def recording_read(path, steps_per_beat=12):
        seen.append(Path(path).name)
        return read(path, steps_per_beat)

    monkeypatch.setattr(dataset, "read", recording_read)
    return seen


def test_prepare_reads_recursively_and_skips_bad_files_with_reasons(songs_dir, tmp_path):
    result = prepare(songs_dir, tmp_path / "ds", workers=1, progress=False)
    assert result.summary.files_read == 6 and result.summary.skipped == BAD_REASONS
    assert set(result.errors) == {"notes.mid", "cut.mid", "drums.mid"}
    for song in result.songs:
        direct = read(song.source)
        assert np.array_equal(song.notes, direct.notes) and song.tempos == direct.tempos
        assert song.time_signatures == direct.time_signatures and song.key_signatures == direct.key_signatures
    assert result.summary.notes == sum(len(song.notes) for song in result.songs)
    assert result.summary.bars == sum(song.n_bars for song in result.songs)
    assert sum(result.summary.meters.values()) >= 6
    assert [song.source for song in load(tmp_path / "ds")] == [song.source for song in result.songs]


def test_rerun_reads_only_new_and_changed_files_and_forgets_deleted_ones(songs_dir, tmp_path, monkeypatch):
    prepare(songs_dir, tmp_path / "ds", workers=1, progress=False)
    seen = count_reads(monkeypatch)
    unchanged = prepare(songs_dir, tmp_path / "ds", workers=1, progress=False)
    assert seen == [] and unchanged.summary.from_cache == 6 and unchanged.summary.skipped == BAD_REASONS

    changed = next((songs_dir / "bach").glob("*.mid"))
    shutil.copy(sorted((SAMPLE_DATA / "bach").glob("*.mid"))[-1], changed)
    os.utime(changed, ns=(1, 1))  # a changed file may keep its size; its mtime tells
    (songs_dir / "cut.mid").unlink()
    shutil.copy(sorted((SAMPLE_DATA / "folk").glob("*.mid"))[-1], songs_dir / "new.mid")
    result = prepare(songs_dir, tmp_path / "ds", workers=1, progress=False)
    assert sorted(seen) == sorted([changed.name, "new.mid"])
    assert result.summary.files_read == 7 and result.summary.from_cache == 5
    assert result.summary.skipped == {"not a MIDI file": 1, "drums only": 1}
    by_source = {Path(song.source).name: song for song in load(tmp_path / "ds")}
    assert np.array_equal(by_source[changed.name].notes, read(changed).notes)
    assert len(list((tmp_path / "ds").glob("notes-*.npz"))) == 1


def test_other_settings_read_everything_again(songs_dir, tmp_path, monkeypatch):
    prepare(songs_dir, tmp_path / "ds", workers=1, progress=False)
    seen = count_reads(monkeypatch)
    result = prepare(songs_dir, tmp_path / "ds", steps_per_beat=4, workers=1, progress=False)
    assert len(seen) == 9 and {song.steps_per_beat for song in result.songs} == {4}


def test_parallel_workers_give_the_same_dataset(songs_dir, tmp_path):
    one = prepare(songs_dir, tmp_path / "one", workers=1, progress=False).songs
    parallel = prepare(songs_dir, tmp_path / "two", workers=2, progress=False)
    assert parallel.summary.skipped == BAD_REASONS
    two = parallel.songs
    assert len(one) == len(two) == 6
    assert all(np.array_equal(a.notes, b.notes) and a.tempos == b.tempos for a, b in zip(one, two))


def test_implicit_dataset_lives_in_the_user_cache(songs_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    result = prepare(songs_dir, workers=1, progress=False)
    assert result.path.parent == tmp_path / "cache" / "midigan" and (result.path / "manifest.json").exists()
    assert prepare(songs_dir, workers=1, progress=False).summary.from_cache == 6


def test_unusable_folders_and_outputs_are_refused_in_one_line(tmp_path):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.mid").write_bytes(b"")
    with pytest.raises(DatasetError, match=r"^no usable MIDI file under .* \(1 empty file\)$"):
        prepare(tmp_path / "bad", tmp_path / "ds", workers=1, progress=False)
    with pytest.raises(DatasetError, match="no .mid or .midi files"):
        prepare(tmp_path / "ds", tmp_path / "ds2", workers=1, progress=False)
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "mine.txt").write_text("keep me")
    shutil.copy(sorted((SAMPLE_DATA / "folk").glob("*.mid"))[0], tmp_path / "bad" / "y.mid")
    with pytest.raises(DatasetError, match="not a midigan dataset"):
        prepare(tmp_path / "bad", tmp_path / "taken", workers=1, progress=False)
    with pytest.raises(DatasetError, match="not a prepared dataset"):
        load(tmp_path / "taken")



def test_processes_preparing_one_dataset_at_once_take_turns(songs_dir: Path, tmp_path: Path) -> None:
    """torchrun starts every process on the same folder: one reads the files, the others wait for
    its dataset instead of writing the same one at the same time."""
    import subprocess
    import sys

    out = tmp_path / "dataset"
    script = ("from midigan.midi.dataset import prepare; "
              f"print(prepare({str(songs_dir)!r}, {str(out)!r}, workers=1, progress=False).summary.from_cache)")
    processes = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) for _ in range(2)]
    from_cache = sorted(process.communicate(timeout=120)[0].strip() for process in processes)
    assert [process.returncode for process in processes] == [0, 0]
    assert from_cache == ["0", "6"]
    assert len(load(out)) == 6


def test_linked_folders_are_read_each_once_and_a_link_loop_ends(songs_dir, tmp_path):
    # a folder of links to collections held "no .mid or .midi files" for prepare, train and evaluate
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / "songs").symlink_to(songs_dir, target_is_directory=True)
    (mixed / "again").symlink_to(songs_dir / "bach", target_is_directory=True)  # the same folder by a second link
    (songs_dir / "folk" / "round").symlink_to(mixed, target_is_directory=True)  # a loop back up
    result = prepare(mixed, tmp_path / "ds", workers=1, progress=False)
    assert result.summary.files_read == 6 and result.summary.skipped == BAD_REASONS
    assert len(midi_files(mixed)) == 9



@pytest.mark.parametrize("backwards", [False, True])
def test_a_folder_and_a_link_to_it_name_its_files_by_the_real_folder(songs_dir, monkeypatch, backwards):
    # which name the files got hung on the order the file system listed 'bach' and its links in,
    # and the cache keys, song.source and transfer apply's output paths with it
    for link in ("a-link", "z-link"):
        (songs_dir / link).symlink_to(songs_dir / "bach", target_is_directory=True)
    (songs_dir / "folk" / "deep" / "b-link").symlink_to(songs_dir / "bach", target_is_directory=True)
    scandir = os.scandir

    def listed_in_order(folder):
        with scandir(folder) as listing:
            items = sorted(listing, key=lambda item: item.name, reverse=backwards)
        return contextlib.nullcontext(items)

    monkeypatch.setattr(os, "scandir", listed_in_order)
    names = [path.relative_to(songs_dir).as_posix() for path in midi_files(songs_dir)]
    assert len(names) == 9 and [name for name in names if "link" in name] == [], names
    outside = songs_dir.parent / "outside"
    outside.mkdir()
    shutil.copy(next((songs_dir / "bach").iterdir()), outside / "tune.mid")
    for link in ("y-link", "x-link"):  # a folder reached only by links is named by the first in sorted order
        (songs_dir / link).symlink_to(outside, target_is_directory=True)
    names = [path.relative_to(songs_dir).as_posix() for path in midi_files(songs_dir)]
    assert [name for name in names if "link" in name] == ["x-link/tune.mid"], names

def test_a_training_run_inside_the_songs_folder_is_not_read_as_songs(songs_dir, tmp_path):
    # 'midigan train .' run in the songs folder writes runs/songs-1/ there: the next run read its 48
    # generated samples as 48 more tunes to learn from (51 where the folder held 3)
    run = songs_dir / "runs" / "songs-1"
    (run / "checkpoints").mkdir(parents=True)
    (run / "config.json").write_text('{"train": {}, "family": {"name": "music-seq", "config": {}}}')
    (run / "samples").mkdir()
    shutil.copy(next((songs_dir / "bach").iterdir()), run / "samples" / "step-000500-01.mid")
    result = prepare(songs_dir, tmp_path / "ds", workers=1, progress=False)
    assert result.summary.files_read == 6 and not any("runs/" in song.source for song in result.songs)
    assert len(midi_files(songs_dir)) == 9 and len(midi_files(run)) == 1  # a run's own folder, given, is read
    # another tool's folder with a config.json beside checkpoints/ holds songs of its own
    other = songs_dir / "other-tool"
    (other / "checkpoints").mkdir(parents=True)
    (other / "config.json").write_text('{"model": "transformer"}')
    shutil.copy(next((songs_dir / "bach").iterdir()), other / "tune.mid")
    assert len(midi_files(songs_dir)) == 10

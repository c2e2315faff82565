"""`midigan prepare` and `midigan info` as a user runs them."""

from __future__ import annotations

import shutil

from support import MIDI as SAMPLE_DATA
from support import midigan as run


def test_prepare_prints_a_summary_and_uses_the_cache_on_rerun(tmp_path):
    songs = tmp_path / "songs"
    shutil.copytree(SAMPLE_DATA / "bach", songs)
    (songs / "junk.mid").write_bytes(b"PK\x03\x04zipped")
    first = run("prepare", str(songs), "-o", str(tmp_path / "ds"), "--workers", "1", "--quiet")
    assert first.exit_code == 0, first.output
    lines = first.output.splitlines()
    assert lines[0].split() == ["files", "read", "4", "(0", "from", "cache)"]
    assert "  not a MIDI file  1" in first.output and "meters" in first.output and "tempo range" in first.output
    again = run("prepare", str(songs), "-o", str(tmp_path / "ds"), "--quiet")
    assert again.exit_code == 0 and "(4 from cache)" in again.output


def test_prepare_without_usable_files_fails_in_one_line(tmp_path):
    (tmp_path / "x.midi").write_text("hello")
    result = run("prepare", str(tmp_path), "-o", str(tmp_path / "ds"), "--quiet")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"Error: no usable MIDI file under {tmp_path} (1 not a MIDI file)"]


def test_info_shows_what_the_converter_sees():
    path = sorted((SAMPLE_DATA / "bach").glob("*.mid"))[0]
    result = run("info", str(path))
    assert result.exit_code == 0, result.output
    fields = {line.split()[0] for line in result.output.splitlines() if line and not line.startswith(" ")}
    assert {"notes", "bars", "tempo", "meter", "key", "dropped", "track"} <= fields
    assert "Soprano" in result.output


def test_info_refuses_a_bad_file_in_one_line(tmp_path):
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\xe7\x28")
    result = run("info", str(bad))
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {bad}: SMPTE time division is not supported"

"""`midigan train` / `midigan generate` end to end on a tiny budget, the shipped model, and every
model-facing error as one line."""

from __future__ import annotations

import shlex
from pathlib import Path

import mido
import numpy as np
import pretty_midi
import pytest
from support import FOLK, one_line_error
from support import midigan as run

from midigan.core.checkpoint import FORMAT, VERSION, load_checkpoint, save_checkpoint
from midigan.midi import read, write
from midigan.music.catalogue import load_music_model, shipped_model
from midigan.music.generation import Request, generate_music
from midigan.song import NOTE_DTYPE, Song

pytestmark = pytest.mark.usefixtures("in_scratch_folder")


def assert_exactly_bars(path: Path, bars: int) -> None:
    song = read(path)
    assert song.n_bars == bars and song.end == bars * song.bar_length()
    assert len(pretty_midi.PrettyMIDI(str(path)).instruments[0].notes) == len(song.notes)
    assert len(mido.MidiFile(path).tracks) >= 1


def test_train_a_few_steps_then_generate_from_the_run(tmp_path: Path) -> None:
    trained = run("train", FOLK, "--max-steps", 4, "--pretrain-steps", 2, "--sample-every", 2, "--window", 16, "--quiet")
    assert trained.exit_code == 0, trained.output
    run_dir = tmp_path / "runs" / "folk-1"
    assert (run_dir / "checkpoints" / "last.pt").is_file() and (run_dir / "metrics.jsonl").is_file()
    assert (run_dir / "samples" / "step-000004-01.mid").is_file() and (run_dir / "samples" / "step-000004.png").is_file()

    made = run("generate", "--model", run_dir, "--bars", 16, "out.mid", "--seed", 3, "--png")
    assert made.exit_code == 0, made.output
    assert_exactly_bars(tmp_path / "out.mid", 16)
    assert (tmp_path / "out.png").read_bytes().startswith(b"\x89PNG")

    newest = run("generate", "--bars", 5, "--count", 3, "--tempo", 90, "--key", "G", "tunes")
    assert newest.exit_code == 0 and "newest run" in newest.output, newest.output
    for path in sorted((tmp_path / "tunes").glob("tune-*.mid")):
        assert_exactly_bars(path, 5)
        assert read(path).key_signatures[0][1] in ("G", "Gm")
    assert len(list((tmp_path / "tunes").glob("tune-*.mid"))) == 3

    scored = run("evaluate", "tunes", "--reference", FOLK, "--meter", "4/4")
    assert scored.exit_code == 0, scored.output
    assert "generated" in scored.output


def test_training_names_each_file_it_leaves_out_and_why(tmp_path: Path) -> None:
    (tmp_path / "songs").mkdir()
    for path in sorted(FOLK.glob("essen_altdeu*.mid")):
        (tmp_path / "songs" / path.name).symlink_to(path)
    (tmp_path / "songs" / "broken.mid").write_bytes(b"not a midi file at all")
    trained = run("train", "songs", "--max-steps", 1, "--quiet")
    assert trained.exit_code == 0, trained.output
    assert trained.output.splitlines()[0].startswith("skipped broken.mid: not a MIDI file")


def test_shipped_model_writes_a_playable_16_bar_tune(tmp_path: Path) -> None:
    made = run("generate", "--bars", 16, "out.mid", "--wav")
    assert made.exit_code == 0, made.output
    assert "shipped folk model" in made.output
    assert_exactly_bars(tmp_path / "out.mid", 16)
    assert (tmp_path / "out.wav").stat().st_size > 1000


def test_shipped_model_does_not_collapse() -> None:
    from midigan.core.checkpoint import load_generator
    from midigan.music.melody.model import MusicSeqFamily

    family, generator = load_generator(shipped_model(), MusicSeqFamily)
    songs = family.generate(generator, bars=4, count=100, seed=0)
    openings = {song.notes[["pitch", "onset", "duration"]].tobytes() for song in songs}
    assert len(openings) >= 95


def _write_notes(path: Path, count: int, drums: bool) -> None:
    notes = np.zeros(count, NOTE_DTYPE)
    notes["pitch"], notes["velocity"], notes["onset"], notes["duration"] = 60, 100, np.arange(count) * 12, 12
    notes["is_drum"] = drums
    write(Song(notes=notes), path)


def test_training_errors_are_one_line(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    one_line_error(run("train", "empty", "--quiet"), "empty")
    (tmp_path / "drums").mkdir()
    _write_notes(tmp_path / "drums" / "beat.mid", 8, drums=True)
    one_line_error(run("train", "drums", "--quiet"), "no usable")
    (tmp_path / "short").mkdir()
    _write_notes(tmp_path / "short" / "tiny.mid", 4, drums=False)
    one_line_error(run("train", "short", "--quiet"), "no usable tune", "shorter than")
    one_line_error(run("train", "missing", "--quiet"), "missing")
    one_line_error(run("train", FOLK, "--device", "gpu-please", "--quiet"), "unknown device")


def test_generation_errors_are_one_line(tmp_path: Path) -> None:
    image_model = tmp_path / "image.pt"
    save_checkpoint({"format": FORMAT, "version": VERSION, "family": {"name": "dcgan", "config": {}}, "generator_ema": {}}, image_model)
    one_line_error(run("generate", "--model", image_model, "out.mid"), "dcgan", "not a music-seq or music-poly model")
    (tmp_path / "random.pt").write_bytes(np.random.default_rng(0).bytes(4096))
    one_line_error(run("generate", "--model", "random.pt", "out.mid"), "random.pt")
    one_line_error(run("generate", "--bars", 0, "out.mid"), "--bars")
    (tmp_path / "a_file").write_text("not a folder")
    one_line_error(run("generate", "a_file/out.mid"), "cannot write")
    one_line_error(run("generate", "--key", "H", "out.mid"), "unknown key")
    one_line_error(run("generate", "notes.txt"), "not a MIDI file name")
    assert not (tmp_path / "out.mid").exists()


def test_generate_into_an_existing_folder_writes_inside_it(tmp_path: Path) -> None:
    (tmp_path / "tunes").mkdir()
    made = run("generate", "--bars", 3, "tunes")
    assert made.exit_code == 0, made.output
    assert_exactly_bars(tmp_path / "tunes" / "tune-001.mid", 3)
    assert not (tmp_path / "tunes.mid").exists()
    again = run("generate", "--bars", 3, "--count", 2, "tunes")  # more were there: the command says so
    assert again.exit_code == 0 and "note" not in again.output, again.output
    fewer = run("generate", "--bars", 3, "tunes")
    assert "also holds 1 piece from before (tune-002.mid ...), left as they were" in fewer.output, fewer.output
    fresh = run("generate", "--bars", 3, "new/")  # a folder by its slash, though it does not exist yet (was new.mid)
    assert fresh.exit_code == 0 and (tmp_path / "new" / "tune-001.mid").is_file() and not (tmp_path / "new.mid").exists()
    named = run("generate", "--bars", 3, "--count", 3, "three.mid")  # made a folder called three.mid
    assert "with --count 3, OUT is a folder, and three.mid names a MIDI file" in one_line_error(named)
    assert not (tmp_path / "three.mid").exists()


def test_resume_takes_the_runs_settings_and_refuses_to_change_them(tmp_path: Path) -> None:
    first = run("train", FOLK, "--max-steps", 2, "--pretrain-steps", 1, "--batch-size", 8, "--window", 16, "--hidden", 16, "--quiet")
    assert first.exit_code == 0, first.output
    resumed = run("train", FOLK, "--max-steps", 3, "--resume", "--quiet")  # batch, window, hidden from the run
    assert resumed.exit_code == 0, resumed.output
    assert "stopped after 3 steps" in resumed.output
    one_line_error(run("train", FOLK, "--max-steps", 4, "--resume", "--batch-size", 4, "--quiet"),
                            "was trained with --batch-size 8; a resumed run keeps it")


def test_the_same_command_resumes_a_run_whose_folder_held_nothing_out(tmp_path: Path) -> None:
    """Two tunes hold none out, so the run trains with --eval-every 0 whatever was typed; the same
    command with --resume used to be refused for asking --eval-every 10."""
    folder = tmp_path / "two"
    folder.mkdir()
    for path in sorted(FOLK.glob("*.mid"))[:2]:
        (folder / path.name).write_bytes(path.read_bytes())
    command = ["train", folder, "--eval-every", 10, "--batch-size", 8, "--window", 16, "--hidden", 16, "--run-dir", tmp_path / "r",
               "--from", "none", "--quiet"]  # --from none starts from nothing, so it too may stay on resume
    first = run(*command, "--max-steps", 2)
    assert first.exit_code == 0 and "none held out" in first.output, first.output
    resumed = run(*command, "--max-steps", 3, "--resume")
    assert resumed.exit_code == 0 and "stopped after 3 steps" in resumed.output, resumed.output


def test_a_piece_that_comes_out_silent_is_an_error_not_a_file_of_no_bars(tmp_path: Path) -> None:
    """The shipped parts model at a low temperature rests throughout: 'wrote 1 piece of 0 bars', exit 0, before."""
    silent = run("generate", "--model", "parts", "--bars", 4, "--temperature", 0.1, "--seed", 0, "c.mid")
    one_line_error(silent, "came out silent at --temperature 0.1")
    assert not (tmp_path / "c.mid").exists()


def test_ctrl_c_while_calibrating_exits_as_an_interrupted_run_and_says_what_is_missing(tmp_path: Path, monkeypatch) -> None:
    import midigan.music.calibration

    def interrupted(path, validation):
        raise KeyboardInterrupt

    calibrate = midigan.music.calibration.calibrate_sampling
    monkeypatch.setattr(midigan.music.calibration, "calibrate_sampling", interrupted)
    trained = run("train", FOLK, "--max-steps", 2, "--pretrain-steps", 1, "--window", 16, "--run-dir", "r", "--quiet")
    assert trained.exit_code == 130, trained.output  # was 1, "Aborted!", as if nothing was saved
    assert "interrupted while calibrating the sampling" in trained.output
    assert (tmp_path / "r" / "checkpoints" / "best.pt").is_file()
    # the command it names calibrates the run at once (it named one without SONGS_DIR, which failed,
    # and that would have trained a run stopped by its time budget for another whole budget)
    said = trained.output.split("without it (", 1)[1].split(" calibrates them)")[0]
    monkeypatch.setattr(midigan.music.calibration, "calibrate_sampling", calibrate)
    again = run(*shlex.split(said)[1:])
    assert again.exit_code == 0 and "stopped after 2 steps" in again.output, again.output
    assert "durations" in again.output and "interrupted" not in again.output, again.output


def test_a_run_stopped_by_ctrl_c_balances_the_durations_of_its_new_best_checkpoint(tmp_path: Path, monkeypatch) -> None:
    """A run stopped by Ctrl-C (the first one: the trainer saves and returns) left best.pt with the
    plan's artifacts only, so a resumed run's new best.pt lost the balance its finished run stored."""
    import dataclasses

    import midigan.core.command

    fit = midigan.core.command.fit  # as if Ctrl-C came at the last step
    monkeypatch.setattr(midigan.core.command, "fit", lambda *given, **named: dataclasses.replace(fit(*given, **named),
                                                                                             stopped="interrupted"))
    trained = run("train", FOLK, "--max-steps", 2, "--pretrain-steps", 1, "--window", 16, "--run-dir", "r", "--quiet")
    assert trained.exit_code == 130 and "durations" in trained.output, trained.output
    assert "duration_bias" in load_checkpoint(tmp_path / "r" / "checkpoints" / "best.pt")["artifacts"]
    again = run("train", FOLK, "--resume", "--run-dir", "r", "--max-steps", 2, "--quiet")  # best.pt unchanged: not balanced again
    assert again.exit_code == 130 and "durations" not in again.output, again.output


def test_a_model_of_one_part_refuses_to_harmonise(tmp_path: Path) -> None:
    trained = run("train", FOLK, "--parts", "all", "--max-steps", 1, "--pretrain-steps", 1, "--window", 32, "--hidden", 16,
                  "--run-dir", "one", "--quiet")
    assert trained.exit_code == 0 and "1 parts" in trained.output, trained.output
    melody = sorted(FOLK.glob("*.mid"))[0]  # the melody took the one part, and came back alone as "harmonised"
    refused = "this model writes one part (pitched); harmonising a melody needs a model of several parts"
    one_line_error(run("generate", "--model", "one", "--melody", melody, "out.mid"), refused)
    assert not (tmp_path / "out.mid").exists()
    with pytest.raises(ValueError, match=r"harmonising a melody needs a model of several parts"):  # the library too
        generate_music(load_music_model(tmp_path / "one"), Request(melody=read(melody), seed=0))

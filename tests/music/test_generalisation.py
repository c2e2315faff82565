"""Small-folder machinery on real tunes: the split by tune, the novelty guard, forms, and a run
that validates, keeps best.pt and resumes with all of it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch
from support import MIDI as DATA
from support import SHARED_DATA
from support import midigan as run

from midigan.core.checkpoint import load_checkpoint, save_checkpoint
from midigan.core.rng import derived_seed
from midigan.metrics.tune import bar_repetition
from midigan.midi import read
from midigan.music import form
from midigan.music.form import NEW, Forms, bar_sources, form_artifacts, tile
from midigan.music.holdout import split_by_tune, version_groups
from midigan.music.melody.plan import plan_melody
from midigan.music.novelty import CopyError, NoveltyGuard, draw_novel, phrase_hash, phrase_hashes
from midigan.music.parts.plan import plan_polyphony
from midigan.music.planning import ModelSize

FOLK = DATA / "folk"


pytestmark = pytest.mark.usefixtures("in_scratch_folder")


@pytest.fixture(scope="module")
def folk_songs():
    return [read(path) for path in sorted(FOLK.glob("*.mid"))]


def _renamed(song, name):
    return dataclasses.replace(song, source=name)


def test_the_split_is_by_tune_with_versions_together_and_ignores_names(folk_songs) -> None:
    # a second version of tune 0 (its last note changed) and an exact copy of tune 1 under new names
    version = folk_songs[0].notes.copy()
    version["pitch"][-1] += 2
    songs = folk_songs + [dataclasses.replace(folk_songs[0], notes=version, source="v.mid"), _renamed(folk_songs[1], "copy.mid")]
    groups = version_groups(songs)
    assert groups[-2] == groups[0] == 0 and groups[-1] == groups[1] == 1

    train, held = split_by_tune(songs)
    assert len(held) == round(0.1 * len(songs)) and len(train) + len(held) == len(songs)
    assert not {id(s) for s in train} & {id(s) for s in held}
    held_groups = {groups[i] for i, s in enumerate(songs) if any(s is h for h in held)}
    assert not any(groups[i] in held_groups for i, s in enumerate(songs) if any(s is t for t in train))
    # renaming and reordering the files does not change which tunes are held out
    shuffled = [_renamed(s, f"other-{i}.mid") for i, s in enumerate(reversed(songs))]
    _, held_again = split_by_tune(shuffled)
    assert sorted(h.notes.tobytes() for h in held_again) == sorted(h.notes.tobytes() for h in held)


SHARED_BACH = SHARED_DATA / "bach"


@pytest.mark.skipif(not SHARED_BACH.is_dir(), reason="needs the shared chorales in ../shared/data/bach")
def test_two_settings_of_one_hymn_tune_are_versions_and_other_hymns_are_not() -> None:
    # Bach set "Herzlich lieb hab ich dich" in BWV 340 and 245.40 and "Jesu, der du meine Seele" in
    # BWV 78.7 and 352, with other rhythms and passing notes; BWV 1.6 and 304 are other hymns
    names = ("bwv340", "bwv245.40", "bwv78.7", "bwv352", "bwv1.6", "bwv304")
    sopranos = [read(SHARED_BACH / f"bach_{name}.mid").first_track() for name in names]
    assert version_groups(sopranos) == [0, 0, 2, 2, 4, 5]


def test_the_guard_trips_on_a_copied_phrase_only(folk_songs) -> None:
    guard = NoveltyGuard.from_songs(folk_songs[:20], length=12)
    assert guard.copies(folk_songs[3]) and guard.copies(folk_songs[3].transpose(5))
    assert not guard.copies(folk_songs[3].slice_bars(0, 1))  # too short to hold a 12-note phrase
    assert sum(guard.copies(song) for song in folk_songs[20:]) < len(folk_songs[20:]) / 2
    restored = NoveltyGuard.from_artifacts(guard.artifacts())
    assert restored.length == 12 and np.array_equal(restored.hashes, phrase_hashes(folk_songs[:20], 12))


def test_copies_are_drawn_again_and_a_model_that_only_copies_is_refused(folk_songs) -> None:
    guard = NoveltyGuard.from_songs(folk_songs[:5], length=12)
    calls = []

    def first_copies(n, seed):
        calls.append(seed)
        return folk_songs[:n] if len(calls) == 1 else folk_songs[30:30 + n]

    songs, redrawn = draw_novel(first_copies, 3, guard, seed=7)
    assert redrawn == 3 and not any(guard.copies(song) for song in songs) and calls[1] != 7
    with pytest.raises(CopyError, match="still quote a 12-note phrase"):
        draw_novel(lambda n, seed: folk_songs[:n], 2, guard, seed=1)


def test_a_piece_without_a_note_is_drawn_again_even_without_a_guard(folk_songs) -> None:
    silent = folk_songs[0].slice_bars(0, 0)
    assert len(silent.notes) == 0
    seeds = []

    def silent_first(n, seed):
        seeds.append(seed)
        return [silent, *folk_songs[1:n]] if len(seeds) == 1 else folk_songs[40:40 + n]

    songs, redrawn = draw_novel(silent_first, 3, None, seed=4)
    assert [len(song.notes) > 0 for song in songs] == [True, True, True]
    assert songs[0] is folk_songs[40] and songs[1:] == folk_songs[1:3]
    assert redrawn == 0 and seeds == [4, derived_seed(4, 1)]


def test_forms_find_repeated_bars_and_tile_as_patterns(folk_songs) -> None:
    song = max(folk_songs, key=bar_repetition)
    sources = bar_sources(song.melody())
    assert any(source != NEW for source in sources)
    assert all(source < bar for bar, source in enumerate(sources))
    assert tile([NEW, 0, NEW], 7) == [NEW, 0, NEW, NEW, 3, NEW, NEW]


def test_long_forms_are_drawn_once_enough_pieces_have_one(folk_songs, monkeypatch) -> None:
    monkeypatch.setattr(form, "MIN_LONG_FORMS", 5)  # the sample folder holds 13 tunes of 16 bars or more
    long = [song for song in folk_songs if len(bar_sources(song)) >= 16]
    short = [song for song in folk_songs if len(bar_sources(song)) < 16]
    assert len(long) > 5 and len(short) > 15

    def plans(songs):
        forms = Forms.from_artifacts(form_artifacts(songs))
        return {tuple(plan) for plan in forms.draw(16, 300, np.random.default_rng(0))}

    long_plans = {tuple(bar_sources(song)[:16]) for song in long}
    assert plans(long[:5] + short) <= long_plans
    assert not plans(long[:4] + short) <= long_plans  # too few: short forms are tiled as well


def test_a_run_validates_keeps_best_and_resumes_with_everything(tmp_path: Path) -> None:
    common = ["--batch-size", 8, "--window", 16, "--hidden", 16, "--eval-every", 2, "--quiet"]
    straight = run("train", FOLK, "--run-dir", "straight", "--max-steps", 8, "--pretrain-steps", 4, *common)
    assert straight.exit_code == 0, straight.output
    assert "tunes in 4/4" in straight.output and "held out for validation" in straight.output
    assert "pretrain: 4 steps" in straight.output and "adversarial: 4 steps" in straight.output
    first = run("train", FOLK, "--run-dir", "halves", "--max-steps", 3, "--pretrain-steps", 4, *common)
    resumed = run("train", FOLK, "--run-dir", "halves", "--max-steps", 8, "--resume", "--quiet")
    assert first.exit_code == 0 and resumed.exit_code == 0, first.output + resumed.output
    for which in ("last.pt", "best.pt"):
        a, b = (load_checkpoint(tmp_path / run_dir / "checkpoints" / which) for run_dir in ("straight", "halves"))
        assert a["step"] == b["step"] and a["schedule"] == b["schedule"]
        for name in ("generator_ema", "artifacts"):
            assert all(torch.equal(a[name][key], b[name][key]) for key in a[name]), (which, name)
    assert {"forms", "form_counts", "phrase_hashes", "phrase_notes"} <= set(a["artifacts"])

    made = run("generate", "--model", "halves", "--bars", 8, "--count", 3, "--seed", 1, "tunes")
    assert made.exit_code == 0, made.output
    assert len(list((tmp_path / "tunes").glob("*.mid"))) == 3


def test_generate_refuses_a_model_that_can_only_copy(tmp_path: Path) -> None:
    assert run("train", FOLK, "--run-dir", "r", "--max-steps", 2, "--pretrain-steps", 1, "--window", 16, "--hidden", 16,
               "--quiet").exit_code == 0
    best = tmp_path / "r" / "checkpoints" / "best.pt"
    checkpoint = load_checkpoint(best)
    # a guard of one-note "phrases" of every duration: whatever the model writes quotes it
    every_duration = [np.array([duration], np.int64).tobytes() for duration in range(1, 4000)]
    guard = NoveltyGuard(np.array(sorted(phrase_hash(key) for key in every_duration), np.int64), length=1)
    checkpoint["artifacts"] = {**checkpoint["artifacts"], **guard.artifacts()}
    save_checkpoint(checkpoint, best)
    refused = run("generate", "--model", "r", "--bars", 2, "out.mid")
    assert refused.exit_code == 1 and "still quote a 1-note phrase" in refused.output, refused.output
    assert len([line for line in refused.output.splitlines() if line.startswith("Error:")]) == 1
    allowed = run("generate", "--model", "r", "--bars", 2, "--allow-copies", "out.mid")
    assert allowed.exit_code == 0, allowed.output


def test_a_resumed_run_keeps_the_generator_it_was_trained_with() -> None:
    """A run from before generators were told each tune's length and scored intervals resumes
    without either (its checkpoint's weights would not fit the newer generator)."""
    before = {"window": 64, "hidden": 128, "layers": 1, "dropout": 0.3}
    assert not ModelSize.of_run(before).length_aware and not ModelSize.of_run(before).interval_scores
    now = ModelSize.of_run({**before, "tune_bars": [8, 20], "interval_scores": True})
    assert now.length_aware and now.interval_scores


def test_fresh_tunes_judge_a_melody_models_pretraining_and_the_likelihood_a_model_of_parts() -> None:
    """On a folder of 40 tunes, the held-out likelihood (4 tunes) chose weights that still wrote
    leaping lines; a melody model's pretraining is judged by its fresh tunes, as its adversarial
    phase is. Models of parts keep the likelihood (measured with it)."""
    torch.manual_seed(0)
    melodies = plan_melody([read(path) for path in sorted(FOLK.glob("*.mid"))], None, ModelSize(window=16, hidden=16))
    chorales = plan_polyphony([read(path) for folder in ("bach", "chorales-heldout")
                               for path in sorted((DATA / folder).glob("*.mid"))], None, ModelSize(hidden=16))
    for plan, judged_by in ((melodies, "fd"), (chorales, "val_nll")):
        plan.validation.samples = 8
        generator = plan.family.build_generator().eval()
        with torch.no_grad():
            metrics = plan.validation(generator, "pretrain")
        assert metrics["score"] == metrics[judged_by]
        assert ("fd" in metrics) == (judged_by == "fd")  # a model of parts writes no pieces while the likelihood judges

"""midigan transfer: tunes encoded without their key, translations that keep every bar, onset and
duration of real tunes (pickups, meter changes, second voices that ring past the melody's end),
train / resume / apply from the command line with best.pt chosen by validation, and the scores of
a translation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from support import FOLK, MIDI, make_song, one_line_error
from support import midigan as run

from midigan.core.checkpoint import load_checkpoint
from midigan.core.runlog import read_metrics
from midigan.core.translation import TranslatorPair
from midigan.metrics.transfer import (
    common_scale,
    contour_correlation,
    interval_distance,
    onset_agreement,
    pentatonic_share,
    pitch_class_distance,
    pitch_language,
    scale_distance,
    scale_profile,
    side_classifier,
    snap_to_scale,
    tonal_centre,
)
from midigan.midi import read, write
from midigan.music.transfer.encoding import translated_song
from midigan.music.transfer.model import (
    LOWEST,
    WINDOW,
    MusicTransferFamily,
    _class_histogram,
    as_features,
    collection_histograms,
    decode_pitches,
    encode_tune,
    interval_gap,
    pitch_class_gap,
    scale_gap,
    windows,
)
from midigan.music.transfer.validation import TranslationValidation, held_out_split, round_trip_accuracy

pytestmark = pytest.mark.usefixtures("in_scratch_folder")
#: real tunes: pickups (a leading rest), meter changes and short last bars (Essen), a second voice or
#: double stops that ring past the melody's last note, and long notes stacked in one track (Aird's)
AWKWARD = MIDI / "transfer"


def _timing(song) -> list[tuple[int, int, int]]:
    return sorted(zip(song.notes["onset"].tolist(), song.notes["duration"].tolist(), song.notes["track"].tolist()))


def _assert_same_bars_and_rhythm(source, translated) -> None:
    assert translated.n_bars == source.n_bars and translated.time_signatures == source.time_signatures
    assert _timing(translated) == _timing(source)  # every note's onset and duration, in every track


def test_whatever_pitches_a_translator_picks_every_bar_onset_and_duration_survives_the_midi_file() -> None:
    rng = np.random.default_rng(0)
    paths = sorted(AWKWARD.glob("*.mid"))
    assert len(paths) == 10
    for path in paths:
        song = read(path)
        tune = encode_tune(song)
        for _ in range(3):  # the translators' worst: random pitches, so unisons between voices are common
            pitches = torch.from_numpy(rng.integers(0, 48, tune.rows.shape[1]))
            translated = translated_song(tune, pitches)
            write(translated, Path("back.mid"))
            _assert_same_bars_and_rhythm(song, read("back.mid"))
            _assert_same_bars_and_rhythm(song, translated)


def test_the_melody_takes_the_translators_pitches_and_a_second_voice_follows_them() -> None:
    # melody C D E F over a held low C and a lower line D, F; one track, so unisons would be ambiguous in MIDI
    song = make_song([(60, 0, 12), (62, 12, 12), (64, 24, 12), (65, 36, 12), (48, 0, 48), (50, 12, 12), (53, 36, 12)])
    tune = encode_tune(song)
    assert sorted(song.notes["pitch"][tune.melody_index].tolist()) == [60, 62, 64, 65]

    def notes(translation) -> list[tuple[int, int]]:
        return sorted(zip(translation.notes["onset"].tolist(), translation.notes["pitch"].tolist()))

    # D becomes E flat and F becomes G in the melody: the lower D and F move the same way, the C stays
    moved = translated_song(tune, torch.tensor([60, 63, 64, 67]) + tune.shift - LOWEST)
    assert notes(moved) == [(0, 48), (0, 60), (12, 51), (12, 63), (24, 64), (36, 55), (36, 67)]
    # the melody moved onto the lower voice's pitches while they sound: those melody notes go an octave down
    unison = translated_song(tune, torch.tensor([48, 50, 52, 53]) + tune.shift - LOWEST)
    assert notes(unison) == [(0, 36), (0, 48), (12, 38), (12, 50), (24, 52), (36, 41), (36, 53)]
    for translation in (moved, unison):
        write(translation, Path("out.mid"))
        _assert_same_bars_and_rhythm(song, read("out.mid"))


def test_a_tune_encodes_the_same_in_any_key_and_decodes_back_to_itself() -> None:
    song = read(FOLK / "essen_erk10_132.mid")
    tune = encode_tune(song)
    assert tune.rows.shape == (5, len(song.melody().notes))
    assert (tune.rows[0] + LOWEST - tune.shift).tolist() == tune.melody.notes["pitch"].tolist()
    back = decode_pitches(tune.rows, tune)
    assert back.notes["onset"].tolist() == tune.melody.notes["onset"].tolist() and back.n_bars == song.n_bars
    for semitones in (1, 5, 7):
        moved = encode_tune(song.transpose(semitones))
        assert torch.equal(moved.rows[1:], tune.rows[1:])  # rhythm, positions and bars
        assert torch.remainder(moved.rows[0] - tune.rows[0], 12).eq(0).all()  # the same pitches over the centre


def test_scores_of_a_translation_on_hand_checked_cases() -> None:
    melody = encode_tune(read(FOLK / "essen_erk10_132.mid")).melody
    assert onset_agreement(melody, melody) == 1.0 and contour_correlation(melody, melody) == pytest.approx(1.0)
    pentatonic = snap_to_scale(melody, [0, 2, 4, 7, 9])
    centre = tonal_centre(melody)
    assert set(((pentatonic.notes["pitch"] - centre) % 12).tolist()) <= {0, 2, 4, 7, 9}
    assert np.abs(pentatonic.notes["pitch"].astype(int) - melody.notes["pitch"]).max() <= 1
    assert onset_agreement(melody, pentatonic) == 1.0
    language = pitch_language(melody)
    assert language.shape == (37,) and language[:12].sum() == pytest.approx(1.0) and language[12:].sum() == pytest.approx(1.0)
    han = [encode_tune(read(path)).melody for path in sorted(FOLK.glob("essen_han*.mid"))]
    assert len(common_scale(han)) <= 6  # largely pentatonic
    german = [encode_tune(read(path)).melody for path in sorted(FOLK.glob("essen_erk*.mid"))]
    assert pitch_class_distance(han, han) == 0.0
    assert pentatonic_share(pentatonic) == 1.0 and pentatonic_share(melody.transpose(5)) == pentatonic_share(melody)
    assert np.mean([pentatonic_share(m) for m in han]) > np.mean([pentatonic_share(m) for m in german]) + 0.05
    profile = scale_profile(pentatonic)
    assert profile.sum() == pytest.approx(1.0) and profile[[1, 6, 11]].sum() == 0.0  # no semitone, no tritone
    np.testing.assert_allclose(scale_profile(melody.transpose(5)), scale_profile(melody))  # any key
    assert scale_distance(german, han) > scale_distance([snap_to_scale(m, [0, 2, 4, 7, 9]) for m in german], han)
    han_scale = common_scale(han)  # five classes over each song's last note: a pentatonic mode
    snapped = [snap_to_scale(m, han_scale) for m in german]
    assert len(han_scale) == 5 and pitch_class_distance(snapped, han) < pitch_class_distance(german, han) / 2
    probability_han = side_classifier(np.stack([pitch_language(m) for m in german]), np.stack([pitch_language(m) for m in han]))
    assert (probability_han(np.stack([pitch_language(m) for m in han])) > 0.5).all()
    assert (probability_han(np.stack([pitch_language(m) for m in german])) < 0.5).all()


def test_validation_judges_translations_of_held_out_tunes_by_target_likeness_and_round_trip() -> None:
    erk, han = ([encode_tune(read(p)) for p in sorted(FOLK.glob(f"essen_{name}*.mid"))] for name in ("erk", "han"))
    training, held = held_out_split(erk)
    assert len(held) == 2 and len(training) == 8 and held_out_split(erk) == (training, held)  # a fixed split
    assert held_out_split(erk[:4]) == (erk[:4], [])  # too few to spare one

    class Keep(torch.nn.Module):  # the identity map: pitch probabilities that are the input's one-hots
        def __init__(self) -> None:
            super().__init__()
            self.unused = torch.nn.Parameter(torch.zeros(1))

        def forward(self, features: torch.Tensor) -> torch.Tensor:
            return features

    identity = TranslatorPair(Keep(), Keep())
    validation = TranslationValidation({"A": erk[:3], "B": han[:3]}, {"A": erk[3:], "B": han[3:]})
    scores = validation(identity, "adversarial")
    assert scores["round_trip_A"] == scores["round_trip_B"] == 1.0 == round_trip_accuracy(identity, erk[:3], "B")
    assert scores["contour_A"] == pytest.approx(1.0) and scores["contour_B"] == pytest.approx(1.0)
    assert scores["to_B"] < 0.5 and scores["to_A"] < 0.5  # German stays German, Han stays Han
    assert scores["way_to_B"] == pytest.approx(0.0) and scores["way_to_A"] == pytest.approx(0.0)  # and goes none of the way
    assert scores["score"] == pytest.approx(1 - (scores["to_B"] + scores["to_A"]) / 2)


def _pitch_classes_read_from_inputs(translated: list, inputs: list, others: list) -> float:
    """A translation keeps its input's key: its pitch classes are read from its input's centre."""
    return pitch_class_distance(translated, others, centres=[tonal_centre(tune.melody) for tune in inputs])


def _trained_on_one_batch(family: MusicTransferFamily, whole: tuple[torch.Tensor, torch.Tensor],
                          batch: tuple[torch.Tensor, torch.Tensor]) -> TranslatorPair:
    """The family's translators after 300 steps of everything but the adversarial game on one batch,
    its collections read from `whole` (each side's windows)."""
    torch.manual_seed(0)
    family.know_collections(whole)
    generator = family.build_generator()
    real = family.real_input(batch)
    optimiser = torch.optim.Adam(generator.parameters(), lr=3e-3)
    for _ in range(300):
        loss = family.generator_aux_loss(generator, None, family.fake_input(generator(real)), batch)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return generator


@pytest.mark.parametrize(("pull", "gap", "distance", "apart", "closed", "left"),
                         [("pitch_class_matching", pitch_class_gap, _pitch_classes_read_from_inputs, 0.5, 0.7, 0.6),
                          ("interval_matching", interval_gap, lambda translated, _, others: interval_distance(translated, others),
                           0.5, 0.5, 0.8),
                          ("scale_matching", scale_gap, lambda translated, _, others: scale_distance(translated, others), 0.4, 0.8, 0.8)])
def test_a_pull_on_a_pitch_statistic_moves_german_tunes_towards_the_han_collections(pull, gap, distance, apart, closed, left) -> None:
    erk, han = ([encode_tune(read(p)) for p in sorted(FOLK.glob(f"essen_{name}*.mid"))] for name in ("erk", "han"))
    whole = (windows(han), windows(erk))
    batch = (whole[0][:32], whole[1][:32])  # A: Han, B: German; the translators move each into the other
    real = MusicTransferFamily().real_input(batch)
    assert gap(real, real) == 0.0
    assert gap(real, torch.cat(real.chunk(2)[::-1])) > apart  # the identity map: far apart
    han_all, erk_all = (collection_histograms(rows)[{"pitch_class_matching": "class", "interval_matching": "interval",
                                                     "scale_matching": "scale"}[pull]] for rows in whole)
    shifts = [han_all - erk_all, erk_all - han_all]  # how far the pull moves each side of a batch

    def trained(weight: float) -> tuple[float, float]:
        """(the gap on the batch, German tunes' distance to Han's when translated) with this pull alone at `weight`."""
        family = MusicTransferFamily(hidden=16, **{"pitch_class_matching": 0.0, "interval_matching": 0.0, "scale_matching": 0.0,
                                                   pull: weight})
        generator = _trained_on_one_batch(family, whole, batch)
        translated = [family.translate(generator, tune, "A").melody() for tune in erk]
        on_batch = gap(real, family.fake_input(generator(real)), shifts).detach()
        return float(on_batch), distance(translated, erk, [tune.melody for tune in han])

    pulled, free = trained(4.0), trained(0.0)
    untouched = distance([tune.melody for tune in erk], erk, [tune.melody for tune in han])
    # the gap the pull closes on its batch (measured: 0.56, 0.24 and 0.22 of the free translators')
    assert pulled[0] < closed * free[0], (pulled, free)
    # at most `left` of the distance left on whole tunes: 40% of the way in pitch classes, a fifth in
    # intervals and scales (measured: 0.27, 0.65, 0.53; not against `free`, whose half-trained translators
    # still scatter pitches)
    assert pulled[1] < left * untouched, (pulled, free, untouched)


def test_the_pulls_move_each_batch_by_the_collections_difference_not_towards_the_targets_windows_in_it() -> None:
    erk, han = ([encode_tune(read(p)) for p in sorted(FOLK.glob(f"essen_{name}*.mid"))] for name in ("erk", "han"))
    whole = (windows(han), windows(erk))
    batch = (whole[0][:16], whole[1][:16])  # the first windows of a tune or two: unlike their collections
    real = MusicTransferFamily().real_input(batch)
    han_batch, erk_batch = (_class_histogram(half) for half in real.chunk(2))
    han_all, erk_all = (collection_histograms(rows)["class"] for rows in whole)
    moved = (erk_batch + han_all - erk_all).clamp_min(0)
    intended = moved / moved.sum()  # the German windows' histogram moved as far as Han's collection lies from theirs

    def apart(histogram: torch.Tensor, other: torch.Tensor) -> float:
        return float(0.5 * (histogram - other).abs().sum())

    assert apart(intended, han_batch) > 0.1  # a batch of Han windows is not where German windows should go

    def trained(pull_target: str) -> torch.Tensor:
        """The pitch-class histogram of the German windows moved into Han, with the pitch-class pull alone."""
        family = MusicTransferFamily(hidden=16, interval_matching=0.0, scale_matching=0.0, pull_target=pull_target)
        generator = _trained_on_one_batch(family, whole, batch)
        return _class_histogram(family.fake_input(generator(real)).chunk(2)[0]).detach()

    by_difference, to_batch = trained("difference"), trained("batch")
    # measured: 0.03 against 0.24 from where they should go, 0.04 against 0.25 from the batch's Han windows
    assert apart(by_difference, intended) < 0.5 * apart(to_batch, intended)
    assert apart(to_batch, han_batch) < 0.5 * apart(by_difference, han_batch)
    untold = MusicTransferFamily(hidden=16)
    with pytest.raises(RuntimeError, match="know_collections"):
        untold.generator_aux_loss(untold.build_generator(), None, untold.fake_input(untold.build_generator()(real)), batch)
    # runs from before stop 47 pulled towards the target's windows in each batch and keep doing so
    assert MusicTransferFamily.from_config({"hidden": 16}).pull_target == "batch" and untold.config()["pull_target"] == "difference"


def test_the_discriminators_judge_pitches_only_and_older_runs_keep_theirs() -> None:
    torch.manual_seed(0)
    family = MusicTransferFamily(hidden=16)
    tune = encode_tune(read(FOLK / "essen_erk10_132.mid"))
    rows = tune.rows[None, :, :WINDOW]
    other_rhythm = rows.clone()
    other_rhythm[:, 1] *= 2  # every note twice as long, so every onset and position moves
    other_rhythm[:, 2:4] *= 2
    judge = family.build_discriminator().eval()  # without its instance noise, a draw for each call
    torch.testing.assert_close(judge(as_features(rows).repeat(2, 1, 1)), judge(as_features(other_rhythm).repeat(2, 1, 1)))
    first = MusicTransferFamily.from_config({"hidden": 16})  # the first runs: the paper's weights, halved
    assert (first.cycle_weight, first.identity_weight, first.judge_rhythm) == (5.0, 2.5, True)
    older = MusicTransferFamily.from_config({"hidden": 16, "cycle_weight": 1.0, "identity_weight": 0.0})
    rhythm_aware = older.build_discriminator()
    assert rhythm_aware.judge_a.sees_rhythm
    assert not torch.allclose(rhythm_aware(as_features(rows).repeat(2, 1, 1)), rhythm_aware(as_features(other_rhythm).repeat(2, 1, 1)))
    # a run from before the scale pull trains on without it; a new run has it
    assert (older.scale_matching, older.judge_noise, MusicTransferFamily().scale_matching) == (0.0, 0.0, 4.0)


def test_a_tune_is_read_from_its_last_note_and_runs_from_before_keep_their_most_common_pitch_class() -> None:
    # G is the most common pitch class (by duration); the tune ends on C
    song = make_song([(67, 0, 24), (69, 24, 12), (67, 36, 24), (64, 60, 12), (62, 72, 12), (60, 84, 12)])
    melody = song.melody()
    assert (tonal_centre(melody), tonal_centre(melody, "common")) == (0, 7)
    assert pitch_language(melody)[0] == pytest.approx(1 / 8) and pitch_language(melody, "common")[0] == pytest.approx(4 / 8)
    new, older = MusicTransferFamily(hidden=16), MusicTransferFamily.from_config({"hidden": 16, "scale_matching": 4.0})
    assert (new.frame, older.frame, new.config()["frame"]) == ("final", "common", "final")
    assert new.encode(song).rows[0, -1] + LOWEST == 60  # the last note on C
    assert older.encode(song).rows[0, 0] + LOWEST == 72  # G moved up a fourth to C, as before


def _collections(root: Path) -> tuple[Path, Path]:
    for name, prefix in (("erk", "essen_erk"), ("han", "essen_han")):
        (root / name).mkdir()
        for path in FOLK.glob(f"{prefix}*.mid"):
            (root / name / path.name).symlink_to(path)
    return root / "erk", root / "han"


def test_train_resume_apply_and_one_line_errors(in_scratch_folder: Path) -> None:
    erk, han = _collections(in_scratch_folder)
    common = ("--hidden", 16, "--batch-size", 4, "--device", "cpu", "--quiet")
    whole = run("transfer", "train", erk, han, "--max-steps", 4, "--eval-every", 2, "--run-dir", "runs/whole", *common)
    assert whole.exit_code == 0, whole.output
    assert "A: 8 tunes from" in whole.output and "2 held out to validate" in whole.output and "B: 5 tunes from" in whole.output
    validated = [record for record in read_metrics(Path("runs/whole/metrics.jsonl")) if "validation" in record]
    assert [record["step"] for record in validated] == [2, 4]
    assert set(validated[0]["validation"]) == {"to_A", "to_B", "round_trip_A", "round_trip_B", "contour_A", "contour_B", "way_to_A",
                                               "way_to_B", "score"}
    best = max((record for record in validated if record["best"]), key=lambda record: record["step"])["step"]
    assert load_checkpoint("runs/whole/checkpoints/best.pt")["step"] == best
    assert f"best checkpoint: step {best} (checkpoints/best.pt, what apply uses)" in whole.output
    assert sorted(p.name for p in Path("runs/whole/samples").iterdir()) == ["step-000004-A-to-B.mid", "step-000004-B-to-A.mid"]
    sample = read("runs/whole/samples/step-000004-A-to-B.mid")
    assert sorted(set(sample.notes["track"].tolist())) == [0, 1, 2]  # input, translation, round trip

    # stopped at step 2 of a first budget of 2: its learning rates had not begun to fall (from half the budget)
    assert run("transfer", "train", erk, han, "--max-steps", 2, "--run-dir", "runs/halves", *common).exit_code == 0
    resumed = run("transfer", "train", erk, han, "--max-steps", 4, "--run-dir", "runs/halves", "--resume", "--device", "cpu",
                  "--quiet")  # the device may change on resume: exactness holds on one
    assert resumed.exit_code == 0, resumed.output
    straight, halves = (load_checkpoint(f"runs/{name}/checkpoints/last.pt") for name in ("whole", "halves"))
    for name, tensor in straight["generator"].items():
        assert torch.equal(halves["generator"][name], tensor), name
    # a run from before stop 40 (no frame or pull target in its config) resumes reading tunes from their most
    # common pitch class and pulling towards each batch's windows
    older = load_checkpoint("runs/halves/checkpoints/last.pt")
    assert (older["family"]["config"].pop("frame"), older["family"]["config"].pop("pull_target")) == ("final", "difference")
    torch.save(older, "runs/halves/checkpoints/last.pt")
    written = json.loads(Path("runs/halves/config.json").read_text())
    del written["family"]["config"]["frame"], written["family"]["config"]["pull_target"]
    Path("runs/halves/config.json").write_text(json.dumps(written))
    older_resumed = run("transfer", "train", erk, han, "--max-steps", 5, "--run-dir", "runs/halves", "--resume", "--quiet")
    assert older_resumed.exit_code == 0, older_resumed.output
    resumed_config = load_checkpoint("runs/halves/checkpoints/last.pt")["family"]["config"]
    assert (resumed_config["frame"], resumed_config["pull_target"]) == ("common", "batch")
    changed = run("transfer", "train", erk, han, "--run-dir", "runs/halves", "--resume", "--lr", 1e-3)
    assert "trained with --lr 0.0002; a resumed run keeps it" in one_line_error(changed)
    unreadable = run("transfer", "train", erk, han, "--augment-target", 0.6, "--run-dir", "runs/augmented")
    assert "--augment-target reads the discriminators' verdicts as --loss ns gives them" in one_line_error(unreadable)
    assert "translation learns between two different collections" in one_line_error(run("transfer", "train", erk, erk))

    applied = run("transfer", "apply", "--model", "runs/whole", "--to", "B", AWKWARD, "out")
    assert applied.exit_code == 0, applied.output
    assert sorted(p.name for p in Path("out").iterdir()) == sorted(p.name for p in AWKWARD.iterdir())
    pictured = run("transfer", "apply", "--model", "runs/whole", "--to", "A", han / "essen_han1_087.mid", "one.mid", "--png")
    assert pictured.exit_code == 0 and Path("one.mid").is_file() and Path("one.png").read_bytes()[:4] == b"\x89PNG"
    for path in AWKWARD.iterdir():
        _assert_same_bars_and_rhythm(read(path), read(Path("out") / path.name))
    into_folder = run("transfer", "apply", "--model", "runs/whole", "--to", "A", han / "essen_han1_087.mid", "out")
    assert into_folder.exit_code == 0 and Path("out/essen_han1_087.mid").is_file()  # a file into a folder lands inside it
    assert "OUT must be one too" in one_line_error(run("transfer", "apply", "--model", "runs/whole", "--to", "B", AWKWARD, "one.mid"))
    named = one_line_error(run("transfer", "apply", "--model", "runs/whole", "--to", "B", AWKWARD, "new.mid"))
    assert "OUT must be one too, and new.mid names a file" in named and not Path("new.mid").exists()  # was a folder new.mid/
    assert "name OUT .mid or .midi" in one_line_error(run("transfer", "apply", "--model", "runs/whole", "--to", "A",
                                                          han / "essen_han1_087.mid", "one.wav"))
    Path("drums").mkdir()
    write(make_song([(36, 0, 12, 0, True), (38, 12, 12, 0, True)]), Path("drums/beat.mid"))
    assert "no tune under drums could be translated" in one_line_error(run("transfer", "apply", "--model", "runs/whole", "--to", "A",
                                                                           "drums", "none"))
    assert "cannot write one.mid/x.mid" in one_line_error(run("transfer", "apply", "--model", "runs/whole", "--to", "A",
                                                              han / "essen_han1_087.mid", "one.mid/x.mid"))

    refused = run("generate", "--model", "runs/whole", "x.mid")
    assert refused.exit_code == 1
    assert refused.output == ("Error: runs/whole translates tunes and writes none of its own:"
                              " midigan transfer apply --model runs/whole --to B in.mid out.mid\n")
    Path("empty").mkdir()
    empty = run("transfer", "train", erk, "empty", "--run-dir", "runs/empty", "--quiet")
    assert empty.exit_code == 1 and empty.output.endswith("Error: no .mid or .midi files under empty\n")

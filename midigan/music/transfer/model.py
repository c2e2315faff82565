"""Unpaired translation of tunes between two collections: CycleGAN on note sequences.

What a translation may change: the pitches. Every note keeps its onset and duration, so the
output has the input's bars, meter and rhythm (`encoding`); the translators only choose a new
pitch for each note of the melody, from the note's context (its neighbours' pitches and the
rhythm around it). The discriminators see pitches alone, as one-hot vectors (the translators' as
straight-through one-hots: hard values, soft gradients): they judge only what a translation can
change. Shown the rhythm too, a discriminator tells a German tune moved into the Han collection
from a Han tune by its German rhythm, which no translator may change; it grows sure of every
translation and its verdicts stop teaching (runs from before keep their rhythm-aware
discriminators).

Beside the judges, three pulls on the pitch language itself, batch by batch: the translations'
pitch-class histogram, their histogram of melodic intervals and the scale each window uses towards
the target collection's (`pitch_class_gap`, `interval_gap`, `scale_gap`), read as their inputs'
moved by the difference between the two collections (`MusicTransferFamily.know_collections`).
Without them the translators drifted back towards the identity map as a run went on; with them they
keep moving, and they move in how tunes step and leap and in which scale they use as well as in
which notes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from midigan.core.family import GANFamily
from midigan.core.translation import DiscriminatorPair, TranslatorPair, cycle_and_identity_loss
from midigan.metrics.transfer import FRAME, INTERVAL_RANGE
from midigan.music.transfer.encoding import (  # noqa: F401  (the documented import path of the encoding)
    LOWEST,
    PITCHES,
    WINDOW,
    EncodedTune,
    as_features,
    decode_pitches,
    encode_tune,
    split_features,
    translated_song,
    windows,
)
from midigan.music.transfer.networks import Judge, Translator
from midigan.song import Song, sort_notes

#: Not the image translator's 5 and 2.5 (the paper's 10 and 5, halved with the least-squares loss):
#: with them the translators stayed next to the identity map on German and Han tunes (1% of
#: translations on the target side after 10 minutes); with no identity term and the cycle at 1,
#: 52% and 97% (see benchmarks/folk_transfer.py and docs/translation.md)
CYCLE_WEIGHT, IDENTITY_WEIGHT = 1.0, 0.0
#: A pull of 0.2 towards small moves (mean semitones between a note and its translation): cycle
#: consistency alone accepts a tune turned upside down, which the translators did on three of four
#: pairs (contour -0.18 to -0.31); on Aird's <-> Han (tuned on) 0.2 kept the contour (0.83 / 0.92) and
#: went more than a third of the way both ways, where 1 held the translations back (docs/translation.md)
FEATURE_MATCHING, CLOSENESS = 0.0, 0.2
#: Noise of 0.2 on the pitch one-hots the discriminators see: on Essen's 50 Irish tunes <-> Han (37
#: training tunes on one side) D won outright without it (D(fake) 0.03-0.04 over the last tenth); with
#: it 0.18 there and 0.30-0.38 on the tuned pairs, where the judge's target side held and translations
#: into Han became a little less pentatonic. 0.5, or R1 at 1, left D guessing (D(fake) 0.45-0.49) and
#: cost more; 0.1 gave no movement back and halved D's margin (docs/translation.md)
JUDGE_NOISE = 0.2
#: A pull of 4 on the translations' pitch-class histogram towards the target collection's: under the
#: closeness pull alone the translators drifted back towards the identity map as a run went on (best.pt
#: at step 500 of 5,000); with it they keep moving. On the tuned pairs the mean share of the way covered
#: rose from 0.24 to 0.58 (seed 0, six directions) and from 0.36 to 0.52 (seed 1, four), the round trip
#: at 0.80-0.96; 10 moved as far (0.60) with a poorer round trip, 1 less far (docs/translation.md)
PITCH_CLASS_MATCHING = 4.0
#: And a pull of 4 on their histogram of melodic intervals: collections on one scale (German, Scottish,
#: Bach's chorales) differ more in how their tunes move than in their pitch classes. On the tuned pairs
#: (two seeds, six directions each) the interval histogram's share of the way rose from 0.50 / 0.53 to
#: 0.79 / 0.78 and the judge's target-side share from 0.76 / 0.74 to 0.86 / 0.83; the pitch classes' way
#: went from 0.58 / 0.59 to 0.59 / 0.63 and the round trip down from 0.91 / 0.88 to 0.85 / 0.83; 1 moved
#: the intervals less far (0.65 / 0.64) (docs/translation.md)
INTERVAL_MATCHING = 4.0
#: And a pull of 4 on the scale each window uses, read the same in every key (`scale_gap`): the two
#: pulls above then read tunes turned to their most common pitch class, and never made a translation
#: into the Han songs pentatonic. On the tuned pairs (two seeds) the share of the way to the Han songs'
#: pentatonic share rose from 0.26 / 0.23 to 0.55 / 0.58 (Aird's), 0.21 / 0.32 to 0.44 / 0.55 (Essen's
#: Irish) and 0.60 / 0.57 to 0.72 / 0.71 (erk); the judge's target side held (0.86 / 0.85 to 0.86 /
#: 0.87) and the round trip fell (0.87 / 0.85 to 0.83 / 0.82) (docs/translation.md)
SCALE_MATCHING = 4.0
#: What the pulls pull towards: "difference", the histograms of the windows being translated, moved by
#: the difference between the two collections' histograms over their training windows
#: (`collection_histograms`); "batch", those of the target collection's windows in the same batch, as
#: runs before stop 47 did. Why: a batch of 16 windows' pitch-class histogram lies about 0.10 (total
#: variation) from its collection's, nearly as far as two diatonic collections lie apart (0.12-0.15:
#: Bach's sopranos, Aird's Airs, Essen's German regions), so between such collections the pull pointed
#: nearly as often away from the target as towards it. The translations' histogram and their inputs'
#: vary together and cancel. On the tuned pairs (two seeds, eight directions) a third of the way was met
#: in 6 and 6 directions (batch: 6 and 5), the round trip rose from 0.85 / 0.84 to 0.87 / 0.86, the
#: held-out judge's target side fell from 0.89 / 0.89 to 0.85 / 0.87; the target collection's own
#: histograms in place of the batch's met a third in 5 and 6 (docs/translation.md, stop 47)
PULL_TARGETS = ("difference", "batch")
PULL_TARGET = "difference"
#: Windows read for a collection's histograms, evenly spread over its tunes: a histogram of 4,096
#: windows lies about 0.006 from that of all of them, where a folder of every Essen tune holds 60,000
#: (300 MB as features)
TARGET_WINDOWS = 4096
VELOCITY = 80


def _pitch_distance(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of a translator's pitch probabilities against the pitches it should give back."""
    return F.nll_loss(output[:, :PITCHES].clamp_min(1e-8).log(), target[:, :PITCHES].argmax(dim=1))


def hard_pitches(features: torch.Tensor) -> torch.Tensor:
    """Straight-through one-hots: the most likely pitch forward, the probabilities' gradient back."""
    soft = features[:, :PITCHES]
    hard = F.one_hot(soft.argmax(dim=1), PITCHES).permute(0, 2, 1).to(soft.dtype)
    return torch.cat([hard + soft - soft.detach(), features[:, PITCHES:]], dim=1)


class MusicTransferFamily(GANFamily):
    """Tunes of collection A <-> tunes of collection B; batches are (A windows, B windows)."""

    name = "music-transfer"

    def __init__(self, hidden: int = 128, cycle_weight: float = CYCLE_WEIGHT, identity_weight: float = IDENTITY_WEIGHT,
                 judge_rhythm: bool = False, judge_noise: float = JUDGE_NOISE, feature_matching: float = FEATURE_MATCHING,
                 closeness: float = CLOSENESS, pitch_class_matching: float = PITCH_CLASS_MATCHING,
                 interval_matching: float = INTERVAL_MATCHING, scale_matching: float = SCALE_MATCHING, frame: str = FRAME,
                 pull_target: str = PULL_TARGET):
        if pull_target not in PULL_TARGETS:
            raise ValueError(f"pull_target must be one of {PULL_TARGETS}, not {pull_target!r}")
        self.hidden, self.cycle_weight, self.identity_weight = hidden, cycle_weight, identity_weight
        self.judge_rhythm, self.judge_noise, self.feature_matching = judge_rhythm, judge_noise, feature_matching
        self.closeness, self.pitch_class_matching, self.interval_matching = closeness, pitch_class_matching, interval_matching
        self.scale_matching, self.frame, self.pull_target = scale_matching, frame, pull_target
        self.shifts: dict[str, list[torch.Tensor]] | None = None  # per statistic, into A and into B; from know_collections

    def know_collections(self, data: tuple[torch.Tensor, torch.Tensor]) -> None:
        """Read the two collections' histograms from their training windows (`windows` rows, A then B):
        their difference is how far the pulls move a batch under pull_target "difference". Not stored
        in the run: a resumed run reads them again from the same folders."""
        a, b = (collection_histograms(rows) for rows in data)
        self.shifts = {statistic: [a[statistic] - b[statistic], b[statistic] - a[statistic]] for statistic in a}

    def build_generator(self) -> nn.Module:
        return TranslatorPair(Translator(self.hidden), Translator(self.hidden))

    def build_discriminator(self) -> nn.Module:
        return DiscriminatorPair(*(Judge(self.hidden, self.judge_rhythm, self.judge_noise) for _ in "AB"))

    def set_augment_probability(self, discriminator: nn.Module, probability: float) -> None:
        discriminator.judge_a.augment_p = discriminator.judge_b.augment_p = probability

    def sample_noise(self, n: int, device: torch.device, generator: torch.Generator | None = None) -> torch.Tensor:
        raise NotImplementedError("a translator takes tunes, not noise")

    def real_input(self, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        return torch.cat([as_features(rows) for rows in batch])

    def generator_input(self, batch, n: int, device: torch.device, generator: torch.Generator | None = None) -> torch.Tensor:
        return self.real_input(batch)

    def fake_input(self, fake: torch.Tensor) -> torch.Tensor:
        return hard_pitches(fake)

    def generator_aux_loss(self, generator, discriminator, fake_input, batch) -> torch.Tensor:
        real = self.real_input(batch)
        loss = cycle_and_identity_loss(generator, real, fake_input, _pitch_distance, self.cycle_weight, self.identity_weight)
        if self.feature_matching:
            loss = loss + self.feature_matching * _feature_matching(discriminator, real, fake_input)
        if self.closeness:
            loss = loss + self.closeness * _semitones_moved(real, fake_input)
        for weight, gap, name in ((self.pitch_class_matching, pitch_class_gap, "class"),
                                  (self.interval_matching, interval_gap, "interval"), (self.scale_matching, scale_gap, "scale")):
            if weight:
                loss = loss + weight * gap(real, fake_input, self._shifts(name))
        return loss

    def _shifts(self, statistic: str) -> list[torch.Tensor] | None:
        """How far a batch's `statistic` histogram should move into A and into B (`_histogram_gap`'s
        `shifts`), or None under pull_target "batch"."""
        if self.pull_target == "batch":
            return None
        if self.shifts is None:
            raise RuntimeError("the pulls move batches by the collections' difference: call know_collections(data) first")
        return self.shifts[statistic]

    @torch.no_grad()
    def samples(self, generator: nn.Module, fixed_input: torch.Tensor) -> torch.Tensor:
        """A's windows, their translations and round trips; then B's (hard pitches)."""
        a, b = fixed_input.chunk(2)
        to_b = hard_pitches(generator.a_to_b(a))
        to_a = hard_pitches(generator.b_to_a(b))
        return torch.cat([a, to_b, hard_pitches(generator.b_to_a(to_b)), b, to_a, hard_pitches(generator.a_to_b(to_a))])

    def write_samples(self, fake: torch.Tensor, out_stem: Path) -> None:
        """Two MIDI files, A to B and B to A: the windows one after another, with the input, the
        translation and the round trip as three tracks."""
        from midigan.midi import write

        groups = fake.chunk(6)
        for name, (inputs, translated, back) in (("A-to-B", groups[:3]), ("B-to-A", groups[3:])):
            write(_side_by_side([inputs, translated, back]), Path(f"{out_stem}-{name}.mid"))

    def encode(self, song: Song) -> EncodedTune | None:
        """`song` as this family's translators read it (centred on its tonal centre as the run's
        frame reads it); None when it has no pitched notes."""
        return encode_tune(song, self.frame)

    @torch.no_grad()
    def translate(self, generator: nn.Module, tune: EncodedTune, to: str) -> Song:
        """The tune in collection `to`'s pitch language ("A" or "B"), rhythm and bars unchanged."""
        net = {"B": generator.a_to_b, "A": generator.b_to_a}[to]
        device = next(net.parameters()).device
        output = net(as_features(tune.rows[None].to(device)))
        return translated_song(tune, output[0, :PITCHES].argmax(dim=0).cpu())

    def config(self) -> dict[str, Any]:
        return {"hidden": self.hidden, "cycle_weight": self.cycle_weight, "identity_weight": self.identity_weight,
                "judge_rhythm": self.judge_rhythm, "judge_noise": self.judge_noise, "feature_matching": self.feature_matching,
                "closeness": self.closeness, "pitch_class_matching": self.pitch_class_matching,
                "interval_matching": self.interval_matching, "scale_matching": self.scale_matching, "frame": self.frame,
                "pull_target": self.pull_target}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> MusicTransferFamily:
        # what runs from before a key meant: the first ones weighed cycle and identity 5 and 2.5, the
        # discriminators judged rhythm too until judge_rhythm came, and had no noise, feature matching,
        # closeness or pulls on the pitch-class and interval histograms and on the scale, centred
        # tunes on their most common pitch class, and pulled towards each batch's histograms
        return cls(**{"cycle_weight": 5.0, "identity_weight": 2.5, "judge_rhythm": True, "judge_noise": 0.0,
                      "feature_matching": 0.0, "closeness": 0.0, "pitch_class_matching": 0.0,
                      "interval_matching": 0.0, "scale_matching": 0.0, "frame": "common", "pull_target": "batch", **config})


def _semitones_moved(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """The mean number of semitones between each note's pitch and its translation's (`fake` is
    [B->A; A->B], made from `real` [A; B]), with the gradient of its expectation under the
    translators' probabilities: a pull towards small moves that keeps the tune's contour (cycle
    consistency alone is as happy with a tune turned upside down)."""
    sources = torch.cat(real.chunk(2)[::-1])[:, :PITCHES].argmax(dim=1, keepdim=True)
    distance = (torch.arange(PITCHES, device=real.device)[None, :, None] - sources).abs().to(fake.dtype)
    return (fake[:, :PITCHES] * distance).sum(dim=1).mean()


def pitch_class_gap(real: torch.Tensor, fake: torch.Tensor, shifts: list[torch.Tensor] | None = None) -> torch.Tensor:
    """Total variation between the pitch-class histograms (by duration, key-free: tunes are centred
    on their tonal centre) of the translations into each collection and what they should be
    (`_histogram_gap`): a pull on the pitch language itself, which does not fade as the judges'
    verdicts do. It counts the translations' hard pitches and passes its gradient through the
    straight-through one-hots: the expected histogram under the translators' soft probabilities can
    be matched while the most likely pitch of every note stays where it was (tried on a small run:
    the hard histogram stayed far off)."""
    return _histogram_gap(real, fake, _class_histogram, shifts)


def _histogram_gap(real: torch.Tensor, fake: torch.Tensor, histogram: Callable[[torch.Tensor], torch.Tensor],
                   shifts: list[torch.Tensor] | None) -> torch.Tensor:
    """The sum over both collections of the total variation between `histogram` of the translations
    into it (`fake` is [B->A; A->B], made from `real` [A; B]) and what it should be: `histogram` of
    their inputs moved by `shifts` (into A, into B: the collections' difference; see PULL_TARGET), or
    where `shifts` is None, `histogram` of the collection's own windows in the batch."""
    total = real.new_zeros(())
    for side, (real_half, fake_half, input_half) in enumerate(zip(real.chunk(2), fake.chunk(2), real.chunk(2)[::-1])):
        if shifts is None:
            target = histogram(real_half).detach()
        else:
            moved = (histogram(input_half).detach() + shifts[side].to(fake.device, fake.dtype)).clamp_min(0)
            target = moved / moved.sum().clamp_min(1e-8)
        total = total + 0.5 * (histogram(fake_half) - target).abs().sum()
    return total


def collection_histograms(rows: torch.Tensor) -> dict[str, torch.Tensor]:
    """A collection's pitch-class and interval histograms and scale profile over its training windows
    (`windows` rows; at most TARGET_WINDOWS of them, evenly spread): the difference between two
    collections' is how far the pulls move a batch."""
    chosen = torch.linspace(0, len(rows) - 1, min(len(rows), TARGET_WINDOWS)).round().long()
    features = as_features(rows[chosen])
    return {"class": _class_histogram(features), "interval": _interval_histogram(features), "scale": _scale_profile(features)}


def _class_histogram(features: torch.Tensor) -> torch.Tensor:
    """(12,) the share of the windows' duration on each pitch class (C is the tonal centre)."""
    weighted = features[:, :PITCHES] * features[:, PITCHES:PITCHES + 1]
    classes = weighted.sum(dim=(0, 2)).view(PITCHES // 12, 12).sum(dim=0)
    return classes / classes.sum().clamp_min(1e-8)


def interval_gap(real: torch.Tensor, fake: torch.Tensor, shifts: list[torch.Tensor] | None = None) -> torch.Tensor:
    """Total variation between the histograms of melodic intervals (from each note to the next) of
    the translations into each collection and what they should be: two collections on one scale
    still differ in how their tunes move, by step or by leap. Counted on hard pitches, as
    `pitch_class_gap` (`shifts` too)."""
    return _histogram_gap(real, fake, _interval_histogram, shifts)


def _interval_histogram(features: torch.Tensor) -> torch.Tensor:
    """(2 * INTERVAL_RANGE + 1,) the share of each interval between neighbouring notes, -12 to 12."""
    pitches = features[:, :PITCHES]
    pairs = torch.einsum("bpn,bqn->pq", pitches[:, :, :-1], pitches[:, :, 1:])  # (from, to) counts
    index = torch.arange(PITCHES, device=features.device)
    steps = ((index[None, :] - index[:, None]).clamp(-INTERVAL_RANGE, INTERVAL_RANGE) + INTERVAL_RANGE).flatten()
    counts = pairs.new_zeros(2 * INTERVAL_RANGE + 1).index_add(0, steps, pairs.flatten())
    return counts / counts.sum().clamp_min(1e-8)


def scale_gap(real: torch.Tensor, fake: torch.Tensor, shifts: list[torch.Tensor] | None = None) -> torch.Tensor:
    """Total variation between the scale profiles (`_scale_profile`) of the translations into each
    collection and what they should be. Why: the pitch-class histogram is read from each
    tune's tonal centre, and a collection's tunes do not all stand in one relation to it (Han songs
    end on any of five degrees; before stop 40 the centre was the most common class, often the
    fifth); the profile needs no centre. Counted on hard pitches, as `pitch_class_gap` (`shifts` too)."""
    return _histogram_gap(real, fake, _scale_profile, shifts)


def _scale_profile(features: torch.Tensor) -> torch.Tensor:
    """(12,) the chance that two notes of one window (drawn by duration) lie k pitch classes apart,
    k = 0 to 11, averaged over the windows: the interval content of the scale a window uses, the
    same in every key. A pentatonic window has no pair a semitone or a tritone apart."""
    weighted = features[:, :PITCHES] * features[:, PITCHES:PITCHES + 1]
    classes = weighted.sum(dim=2).view(len(features), PITCHES // 12, 12).sum(dim=1)
    classes = classes / classes.sum(dim=1, keepdim=True).clamp_min(1e-8)
    return torch.stack([(classes * classes.roll(-k, dims=1)).sum(dim=1) for k in range(12)], dim=1).mean(dim=0)


def _feature_matching(discriminator: DiscriminatorPair, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """Squared distance between the mean features each judge finds in its collection's real windows
    and in the translations into it (Salimans et al. 2016): a pull towards the target collection
    that does not fade when a judge grows sure of its verdicts."""
    total = real.new_zeros(())
    for judge, real_half, fake_half in zip((discriminator.judge_a, discriminator.judge_b), real.chunk(2), fake.chunk(2)):
        with torch.no_grad():
            target = judge.features(real_half).mean(dim=(0, 2))
        total = total + (judge.features(fake_half).mean(dim=(0, 2)) - target).pow(2).mean()
    return total


def translation_picture(tune: EncodedTune, translated: Song) -> np.ndarray:
    """Piano rolls of the input (first colour) above its translation (second colour), for
    `midigan transfer apply --png` and the studio."""
    from midigan.render.pianoroll import stacked_rolls

    return stacked_rolls([_one_track(tune.song, 0), _one_track(translated, 1)])


def _one_track(song: Song, track: int) -> Song:
    notes = song.notes.copy()
    notes["track"] = track
    return replace(song, notes=notes)


def _side_by_side(versions: list[torch.Tensor]) -> Song:
    """Windows (features) as one song: window k of every version on track 0, 1, 2 at the same time,
    windows one after another with a bar's rest between them."""
    from midigan.song import NOTE_DTYPE

    notes, offset = [], 0
    for k in range(len(versions[0])):
        end = 0
        for track, version in enumerate(versions):
            pitches, rows = split_features(version[k:k + 1])
            rows = rows[0].cpu().numpy()
            part = np.zeros(rows.shape[1], dtype=NOTE_DTYPE)
            part["pitch"] = pitches[0].argmax(dim=0).cpu().numpy() + LOWEST
            part["duration"], part["onset"] = rows[1], rows[2] + offset
            part["velocity"], part["track"] = VELOCITY, track
            notes.append(part)
            end = max(end, int((rows[2] + rows[1]).max()))
        offset += end + 48
        offset += -offset % 48  # whole 4/4 bars
    return Song(notes=sort_notes(np.concatenate(notes)), track_names={0: "input", 1: "translation", 2: "round trip"})

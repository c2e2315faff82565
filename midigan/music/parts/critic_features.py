"""What the critic of a model of parts reads besides the tokens: the music a listener hears in them.

Why: a discriminator of one-hot tokens must learn from a few hundred examples what a pitch is, that
a hold continues the note before, and which two pitches make a fifth, before it can notice what
gives generated parts away: leaps inside a part (mean melodic interval 4.7 semitones against 2.2
real), parallel fifths and octaves (0.020 against 0.002), each part's range and rhythm, and
dissonance between parts. So it also gets, step by step, computed from the same one-hots and
differentiable through them (the generator learns from what the critic sees):
- per voice: whether a note starts, whether it sounds, the pitch sounding, and the interval from
  the voice's previous note (signed and its size) where a note starts;
- per pair of pitched voices, where both sound: whether they make a perfect consonance (unison,
  octave or fifth), an imperfect one (thirds and sixths), a fourth or a dissonance, and whether a
  perfect interval moves to the same perfect interval with both voices moving (a parallel).
Pitches are in octaves from middle C, so the critic's features keep the scale of the one-hots.
"""

from __future__ import annotations

import torch

from midigan.music.parts.grid import GRID_REST, GridVocabulary

CENTRE = 60  # pitches are read as octaves from middle C
VOICE_FEATURES = 6  # onset, sounding, pitch, interval, interval size, entering after a rest
PAIR_FEATURES = 5  # perfect, imperfect, fourth, dissonant, parallel perfect
_CLASSES = torch.zeros(12, 4)
_CLASSES[[0, 7], 0] = 1  # unison / octave, fifth
_CLASSES[[3, 4, 8, 9], 1] = 1  # thirds, sixths
_CLASSES[5, 2] = 1  # fourth
_CLASSES[[1, 2, 6, 10, 11], 3] = 1  # seconds, tritone, sevenths


def feature_count(vocabulary: GridVocabulary) -> int:
    """Channels `musical_features` adds for `vocabulary`."""
    pitched = len(_pitched_voices(vocabulary))
    return VOICE_FEATURES * pitched + PAIR_FEATURES * (pitched * (pitched - 1) // 2)


def _pitched_voices(vocabulary: GridVocabulary) -> list[int]:
    return [voice for voice, part in enumerate(vocabulary.voice_part) if not vocabulary.layout.parts[part].is_drum]


def musical_features(one_hots: list[torch.Tensor], vocabulary: GridVocabulary) -> torch.Tensor:
    """(B, L, feature_count) features of windows given as each voice's token one-hots (B, L, size)."""
    voices = _pitched_voices(vocabulary)
    features, pitch_classes, onsets = [], [], []
    for voice in voices:
        one_hot = one_hots[voice].float()
        pitches = torch.arange(vocabulary.low[voice], vocabulary.low[voice] + one_hot.shape[-1] - 2, device=one_hot.device)
        onset = one_hot[..., 2:].sum(-1)
        sounding = 1 - one_hot[..., GRID_REST]
        tokens = one_hot.argmax(-1)
        latest = _latest_onset(tokens)  # (B, L): the step of the note sounding or last sounded, -1 before any
        started = one_hot[..., 2:] @ ((pitches - CENTRE) / 12.0).to(one_hot.dtype)  # the pitch where a note starts, else 0
        pitch = _gather_steps(started, latest) * sounding
        previous = _gather_steps(started, _shifted(latest))  # the pitch of the voice's note before this step's
        has_previous = (_shifted(latest) >= 0).to(one_hot.dtype)
        interval = (started - previous) * onset * has_previous
        enters = onset * (1 - _shifted_values(sounding)) * has_previous
        features += [onset, sounding, pitch, interval, interval.abs(), enters]
        sounding_one_hot = _gather_steps(one_hot[..., 2:], latest) * sounding[..., None]
        pitch_classes.append(sounding_one_hot @ _pitch_class_matrix(pitches).to(one_hot.dtype))
        onsets.append(onset)
    classes = _CLASSES.to(features[0].device if features else "cpu")
    for lower in range(len(voices)):
        for upper in range(lower):
            # P(interval class c) = sum over k of upper's class (k + c) and lower's class k
            rolled = torch.stack([pitch_classes[upper].roll(-shift, dims=-1) for shift in range(12)], dim=-2)
            interval_class = (rolled * pitch_classes[lower][..., None, :]).sum(-1)  # (B, L, 12)
            kinds = interval_class @ classes.to(interval_class.dtype)
            perfect = interval_class[..., [0, 7]]
            both_move = onsets[upper] * onsets[lower]
            parallel = (perfect * _shifted_values(perfect)).sum(-1) * both_move
            features += [*kinds.unbind(-1), parallel]
    if not features:
        return one_hots[0].new_zeros(*one_hots[0].shape[:2], 0)
    return torch.stack(features, dim=-1)


def _pitch_class_matrix(pitches: torch.Tensor) -> torch.Tensor:
    """(pitches, 12): which pitch class each pitch is."""
    return torch.nn.functional.one_hot(torch.remainder(pitches, 12), 12).float()


def _latest_onset(tokens: torch.Tensor) -> torch.Tensor:
    """(B, L) the latest step at or before each step whose token starts a note; -1 before any."""
    steps = torch.arange(tokens.shape[1], device=tokens.device).expand_as(tokens)
    return torch.cummax(torch.where(tokens >= 2, steps, -1), dim=1).values


def _shifted(index: torch.Tensor) -> torch.Tensor:
    """The latest onset strictly before each step: the one at the step before."""
    return torch.cat([torch.full_like(index[:, :1], -1), index[:, :-1]], dim=1)


def _shifted_values(values: torch.Tensor) -> torch.Tensor:
    """Values of the step before each step (zeros before the first)."""
    return torch.cat([torch.zeros_like(values[:, :1]), values[:, :-1]], dim=1)


def _gather_steps(values: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """values (B, L[, C]) at steps `index` (B, L), zero where index is -1."""
    safe = index.clamp(min=0)
    if values.dim() == 3:
        found = values.gather(1, safe[..., None].expand(-1, -1, values.shape[-1]))
        return found * (index >= 0)[..., None].to(values.dtype)
    return values.gather(1, safe) * (index >= 0).to(values.dtype)

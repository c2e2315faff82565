"""A trained model of parts carried over to another folder: its weights mapped onto the folder's
parts, pitch ranges, grid and meter, so training there starts from what it already knows.

Why mapping, not copying: a model trained on chorales knows four parts from soprano to bass; a
folder of motets has six, named otherwise, with other ranges, and perhaps a 4/2 bar on a grid of
8ths. Each of the folder's parts takes the trained part of its name, else the one nearest its
register (in order, high to low); each token takes the trained token of the same pitch (an octave
away where the trained range ends); each position in the bar takes the trained position at the same
share of the bar. What has no counterpart (a part the trained model never had) starts fresh, and
`adapt_family` says so in one line. The network's sizes are the trained model's.

`midigan train FOLDER --from NAME|RUN` (`midigan.music.headstart`) plans the folder as usual, then
`PolyFamily.adapt_from` takes the trained model's network sizes and these mapped weights, which its
`build_generator` starts from.
"""

from __future__ import annotations

from typing import Any

import torch

from midigan.music.keys import into_range
from midigan.music.parts.grid import GridVocabulary
from midigan.music.parts.layout import name_key, places_by_register, read_before_utf8


def part_map(source: GridVocabulary, target: GridVocabulary) -> dict[int, int]:
    """Target part -> source part: by name (as a run trained before names were read as UTF-8 stored
    them, too), then the rest by register in order (pitched to pitched, drums to drums)."""
    names = {part.match or name_key(part.name): index for index, part in enumerate(source.layout.parts)}
    mapping = {}
    for index, part in enumerate(target.layout.parts):
        # a run trained before names were read as UTF-8 (READER_VERSION 4) stored "flã te" for "Flöte"
        keys = (part.match or name_key(part.name), name_key(read_before_utf8(part.name)))
        found = next((names[key] for key in keys if key in names), None)
        if found is not None and found not in mapping.values() and source.layout.parts[found].is_drum == part.is_drum:
            mapping[index] = found
    for is_drum in (False, True):
        free_source = [i for i, part in enumerate(source.layout.parts) if part.is_drum == is_drum and i not in mapping.values()]
        free_target = [i for i, part in enumerate(target.layout.parts) if part.is_drum == is_drum and i not in mapping]
        source_pitches = [_register(source, i) for i in free_source]
        target_pitches = [_register(target, i) for i in free_target]
        if len(free_source) > len(free_target):
            places = places_by_register(target_pitches, source_pitches)
            mapping.update({target_part: free_source[place] for target_part, place in zip(free_target, places)})
        else:
            places = places_by_register(source_pitches, target_pitches)
            mapping.update({free_target[place]: source_part for source_part, place in zip(free_source, places)})
    return mapping


def _register(vocabulary: GridVocabulary, part: int) -> float:
    """A part's mean pitch; for models from before parts knew theirs, the middle of its voices' ranges."""
    known = vocabulary.layout.parts[part].pitch
    if known:
        return known
    voices = [voice for voice, owner in enumerate(vocabulary.voice_part) if owner == part]
    return sum(vocabulary.low[voice] + vocabulary.high[voice] for voice in voices) / (2 * len(voices))


def voice_map(source: GridVocabulary, target: GridVocabulary, parts: dict[int, int]) -> dict[int, int]:
    """Target voice -> source voice: the k-th voice of a part takes its counterpart's k-th (or last)."""
    first_source = {}
    for voice, part in enumerate(source.voice_part):
        first_source.setdefault(part, voice)
    mapping, seen = {}, {}
    for voice, part in enumerate(target.voice_part):
        rank = seen[part] = seen.get(part, -1) + 1
        if part in parts:
            source_part = parts[part]
            count = source.layout.parts[source_part].voices
            mapping[voice] = first_source[source_part] + min(rank, count - 1)
    return mapping


def token_map(source: GridVocabulary, target: GridVocabulary, target_voice: int, source_voice: int) -> torch.Tensor:
    """For each target token of the voice (rest, hold, pitches, START), the source token it takes."""
    low, high = source.low[source_voice], source.high[source_voice]
    pitches = range(target.low[target_voice], target.high[target_voice] + 1)
    tokens = [0, 1, *(into_range(pitch, low, high) - low + 2 for pitch in pitches), source.sizes[source_voice]]
    return torch.tensor(tokens)


def adapt_weights(source: GridVocabulary, weights: dict[str, torch.Tensor], target: GridVocabulary,
                  fresh: dict[str, torch.Tensor], embed: int) -> tuple[dict[str, torch.Tensor], str]:
    """The target generator's weights: `fresh` (a new generator's, of the source's network sizes,
    `embed` wide embeddings) with every entry that has a counterpart in `weights`, and one line on
    which parts were taken from where and which start fresh."""
    parts = part_map(source, target)
    voices = voice_map(source, target, parts)
    adapted = _mapped(weights, fresh, source, target, voices, embed)
    unmapped = [part.name for index, part in enumerate(target.layout.parts) if index not in parts]
    taken = ", ".join(f"{part.name} from {source.layout.parts[parts[index]].name}"
                      for index, part in enumerate(target.layout.parts) if index in parts)
    line = f"parts taken from the trained model: {taken or 'none'}"
    return adapted, line + (f"; learnt afresh: {', '.join(unmapped)}" if unmapped else "")


def _mapped(weights: dict[str, torch.Tensor], fresh: dict[str, torch.Tensor], source: GridVocabulary, target: GridVocabulary,
            voices: dict[int, int], embed: int) -> dict[str, torch.Tensor]:
    """`fresh` (the adapted generator's own initial weights) with every entry that has a
    counterpart in `weights` taken from there."""
    out = {name: tensor.clone() for name, tensor in fresh.items()}
    for name, tensor in weights.items():
        if name in out and not name.startswith(("previous.", "above.", "heads.", "voice_leading.", "melodic.", "position")) \
                and not name.startswith("lstm.weight_ih_l0") and out[name].shape == tensor.shape:
            out[name] = tensor.clone()  # the LSTM's recurrent weights and deeper layers
    for voice, source_voice in voices.items():
        tokens = token_map(source, target, voice, source_voice)
        out[f"previous.{voice}"] = weights[f"previous.{source_voice}"][tokens]
        out[f"above.{voice}"] = weights[f"above.{source_voice}"][tokens[:-1]]
        for layer in ("weight", "bias"):
            out[f"heads.{voice}.0.{layer}"] = weights[f"heads.{source_voice}.0.{layer}"].clone()
            out[f"heads.{voice}.2.{layer}"] = weights[f"heads.{source_voice}.2.{layer}"][tokens[:-1]]
        if "melodic.tables" in weights:
            out["melodic.tables"][voice] = weights["melodic.tables"][source_voice]
    positions = _position_map(source, target)
    out["position"] = weights["position"][positions]
    out["lstm.weight_ih_l0"] = _input_columns(weights["lstm.weight_ih_l0"], out["lstm.weight_ih_l0"], voices, source.n_voices,
                                              target.n_voices, embed)
    _pair_tables(weights, out, voices, source, target)
    return out


def _position_map(source: GridVocabulary, target: GridVocabulary) -> torch.Tensor:
    """Each target position in the bar takes the source position at the same share of its bar."""
    return torch.tensor([min(source.bar_steps - 1, round(step * source.bar_steps / target.bar_steps))
                         for step in range(target.bar_steps)])


def _input_columns(trained: torch.Tensor, fresh: torch.Tensor, voices: dict[int, int], source_voices: int, target_voices: int,
                   embed: int) -> torch.Tensor:
    """The LSTM's input weights: each voice's block of columns from its counterpart's, then the
    position's block and the noise columns as trained."""
    out = fresh.clone()
    for voice, source_voice in voices.items():
        out[:, voice * embed:(voice + 1) * embed] = trained[:, source_voice * embed:(source_voice + 1) * embed]
    out[:, target_voices * embed:] = trained[:, source_voices * embed:]
    return out


def _pair_tables(weights: dict[str, Any], out: dict[str, torch.Tensor], voices: dict[int, int], source: GridVocabulary,
                 target: GridVocabulary) -> None:
    """Each pair of voices' voice-leading table from the pair of their counterparts (in the same order)."""
    from midigan.music.parts.voice_leading import IntervalBias

    def pairs_of(vocabulary: GridVocabulary) -> list[tuple[int, int]]:
        pitched = [not vocabulary.layout.parts[part].is_drum for part in vocabulary.voice_part]
        return IntervalBias(list(vocabulary.low), list(vocabulary.sizes), pitched).pairs

    source_index = {pair: index for index, pair in enumerate(pairs_of(source))}
    for index, (upper, lower) in enumerate(pairs_of(target)):
        pair = (voices.get(upper), voices.get(lower))
        if pair in source_index:
            out["voice_leading.tables"][index] = weights["voice_leading.tables"][source_index[pair]]

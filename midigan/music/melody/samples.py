"""Sample tunes written during training: what the generator makes of the fixed noise, as files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from midigan.music.melody.encoding import Vocabulary, decode
from midigan.song import Song


def output_tokens(output: torch.Tensor, vocabulary: Vocabulary) -> torch.Tensor:
    """Token ids (B, L, 3: pitch, duration, position in bar) of one-hot discriminator input,
    real or generated."""
    parts = output.split([vocabulary.n_pitches, vocabulary.n_durations, vocabulary.bar_length], dim=-1)
    return torch.stack([part.argmax(-1) for part in parts], dim=-1)


def tunes_from_output(fake: torch.Tensor, vocabulary: Vocabulary) -> list[Song]:
    """Songs from generator output (B, L, one-hots): the chosen pitch and duration of each note."""
    tokens = output_tokens(fake, vocabulary).cpu().numpy()
    return [decode(rows[:, 0], rows[:, 1], vocabulary) for rows in tokens]


def stacked_rolls(songs: list[Song]) -> np.ndarray:
    """Piano rolls of several songs one above the other, separated by a grey line."""
    from midigan.render.pianoroll import pianoroll_image

    images = [pianoroll_image(song) for song in songs]
    width = max(image.shape[1] for image in images)
    rows = []
    for image in images:
        padded = np.full((image.shape[0] + 2, width, 3), 255, np.uint8)
        padded[: image.shape[0], : image.shape[1]] = image
        padded[-2:] = 160
        rows.append(padded)
    return np.concatenate(rows)


def write_sample_tunes(fake: torch.Tensor, vocabulary: Vocabulary, out_stem: Path) -> None:
    """`<stem>-01.mid`, `<stem>-02.mid`, ... one per sample, and `<stem>.png` with all their rolls."""
    from midigan.core.png import write_png
    from midigan.midi import write

    songs = tunes_from_output(fake, vocabulary)
    for i, song in enumerate(songs, start=1):
        write(song, out_stem.with_name(f"{out_stem.name}-{i:02d}.mid"))
    write_png(out_stem.with_name(out_stem.name + ".png"), stacked_rolls(songs))

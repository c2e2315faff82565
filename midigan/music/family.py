"""What every music family shares: its settings, the critic, noise, the likelihood and feature-matching
losses, sample files, continuing a primer and bar-exact generation in any key.

Why a base class: a melody model and a model of parts differ in how they encode notes and draw
them, not in how a piece is asked for (bars, seed, key, form, primer) or judged while training.
A family says what differs (`teacher_forced` logits, `draw`, `songs_from_output`, `primer_song`)
and inherits the rest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from midigan.core.family import GANFamily
from midigan.music.errors import EncodingError
from midigan.music.form import Forms
from midigan.music.keys import HomeKeys, in_key, parse_key
from midigan.music.layers import SequenceCritic, gumbel_noise
from midigan.music.primer import Primer, join, prepare_primer
from midigan.song import Song


class MusicFamily(GANFamily):
    """A sequence GAN over one vocabulary (meter, pitches, grid), trained by likelihood first."""

    #: the vocabulary class, rebuilt from the config's "vocabulary" entry
    vocabulary_type: ClassVar[type]
    #: settings besides the vocabulary that `config()` stores and `from_config` passes back
    settings: ClassVar[tuple[str, ...]] = ("window", "hidden", "layers", "embed", "noise_dim", "d_width", "feature_matching",
                                            "mle_weight", "dropout")
    #: with a time budget, pretraining ends by this share of it
    pretrain_time_share: ClassVar[float]
    #: what one generated piece is called in messages
    unit: ClassVar[str] = "piece"
    #: whether `generate(melody=...)` writes parts around a given melody
    harmonises: ClassVar[bool] = False
    #: nucleus share when the model stores none of its own
    default_top_p: ClassVar[float]

    def __init__(self, vocabulary, window: int, hidden: int, layers: int, embed: int, noise_dim: int, d_width: int,
                 feature_matching: float, mle_weight: float, dropout: float):
        self.vocabulary = vocabulary
        self.window, self.hidden, self.layers, self.embed = window, hidden, layers, embed
        self.noise_dim, self.d_width, self.feature_matching = noise_dim, d_width, feature_matching
        self.mle_weight, self.dropout = mle_weight, dropout
        #: forms of the training pieces (which bars repeat which); set by the trainer's caller, not
        #: part of the config (see `midigan.music.form`)
        self.forms: Forms | None = None
        #: the weights a new run's generator starts from (see `adapt_from`); not part of the config
        self.start_weights: dict[str, torch.Tensor] | None = None

    # -- configuration
    def config(self) -> dict[str, Any]:
        return {"vocabulary": self.vocabulary.to_dict(), **{name: getattr(self, name) for name in self.settings}}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> MusicFamily:
        values = dict(config)
        return cls(cls.vocabulary_type.from_dict(values.pop("vocabulary")), **values)

    # -- a head start
    def adapt_from(self, source) -> str:
        """Start this family's generator from `source`'s (a `LoadedModel`), its tokens mapped to this
        family's vocabulary; returns one line on what could not be mapped. EncodingError when
        `source` cannot give this family a start."""
        raise EncodingError(f"a model of {self.unit}s cannot start from a {source.family.unit} model: start it without --from")

    def started(self, generator: nn.Module) -> nn.Module:
        """`generator` holding `start_weights` when a head start set them."""
        if self.start_weights is not None:
            generator.load_state_dict(self.start_weights)
        return generator

    # -- what the engine trains
    def build_discriminator(self) -> SequenceCritic:
        return SequenceCritic(self.output_width, self.d_width)

    @property
    def output_width(self) -> int:
        """Channels of one step of what the discriminator reads (one-hots and the position in the bar)."""
        raise NotImplementedError

    @property
    def choices(self) -> int:
        """Gumbel noise channels per step: every choice the generator makes there."""
        raise NotImplementedError

    def base_noise(self, n: int, device: torch.device, generator: torch.Generator | None = None) -> list[torch.Tensor]:
        """Per step: `noise_dim` normal values, then Gumbel(0, 1) noise for every choice, so that
        fixed noise gives fixed sample music."""
        z = torch.randn(n, self.window, self.noise_dim, device=device, generator=generator)
        return [z, gumbel_noise(n, self.window, self.choices, device, generator)]

    def fake_input(self, fake: torch.Tensor) -> torch.Tensor:
        return fake.float()

    def pretrain_loss(self, generator: nn.Module, batch: torch.Tensor) -> torch.Tensor:
        """Teacher-forced cross-entropy of every choice of every step (`teacher_forced` gives the
        logits of column i of the batch's rows as its i-th entry), summed over choices."""
        z = torch.randn(batch.shape[0], batch.shape[1] - 1, self.noise_dim, device=batch.device)
        targets = batch[:, 1:]
        return sum(F.cross_entropy(logits.flatten(0, 1).float(), targets[..., i].flatten())
                   for i, logits in enumerate(generator.teacher_forced(batch, z)))

    def generator_aux_loss(
        self, generator: nn.Module, discriminator: nn.Module, fake_input: torch.Tensor, batch: torch.Tensor
    ) -> torch.Tensor | None:
        """Feature matching (the fakes' mean discriminator features should match the reals') plus
        the likelihood of the real batch under the generator being trained.

        Why the likelihood: a discriminator over discrete music wins quickly, and without this
        anchor the generator collapses onto one repeated note within a hundred steps (measured).
        """
        loss = torch.zeros((), device=batch.device)
        if self.feature_matching:
            with torch.no_grad():
                real_features = discriminator.features(self.real_input(batch)).mean(0)
            loss = loss + self.feature_matching * F.mse_loss(discriminator.features(fake_input).mean(0).float(), real_features.float())
        if self.mle_weight:
            loss = loss + self.mle_weight * self.pretrain_loss(generator, batch)
        return loss

    # -- what people get
    @property
    def part_names(self) -> list[str]:
        """The parts it writes, highest first; none for a single line."""
        return []

    def songs_from_output(self, fake: torch.Tensor) -> list[Song]:
        """Songs from generator output (B, L, one-hots), as the discriminator read them."""
        raise NotImplementedError

    def write_samples(self, fake: torch.Tensor, out_stem: Path) -> None:
        """`<stem>-01.mid`, `<stem>-02.mid`, ... one per sample, and `<stem>.png` with all their rolls."""
        from midigan.core.png import write_png
        from midigan.midi import write
        from midigan.render.pianoroll import stacked_rolls

        songs = self.songs_from_output(fake)
        for i, song in enumerate(songs, start=1):
            write(song, out_stem.with_name(f"{out_stem.name}-{i:02d}.mid"))
        write_png(out_stem.with_name(out_stem.name + ".png"), stacked_rolls(songs))

    def primer_song(self, song: Song) -> Song:
        """What of a primer file this family continues (its melody, or the tracks of its parts)."""
        raise NotImplementedError

    def primer_for(self, song: Song, bars: int, primer_bars: int | None = None) -> Primer:
        """A primer file as this family continues it (EncodingError when it cannot be used)."""
        return prepare_primer(self.primer_song(song), self.vocabulary.meter, bars, primer_bars)

    def generate(self, generator: nn.Module, bars: int, count: int, seed: int | None = None, forms: Forms | None = None,
                 tempo: float = 120.0, key: str | None = None, temperature: float = 1.0, top_p: float | None = None,
                 primer: Primer | None = None, melody: Song | None = None, program: int = 0,
                 home_keys: HomeKeys | None = None, duration_bias: torch.Tensor | None = None) -> list[Song]:
        """`count` pieces of exactly `bars` bars, ready for `midigan.midi.write`. With `forms`, each
        follows a form drawn from them (which bars repeat which); with `primer`, its bars open every
        piece and the pieces carry on in its key and tempo (`key`, `tempo` unused); with `melody`
        (families that harmonise), the melody is the top part for its own length and sets the form.
        Without `key`, pieces are in C major / A minor, or with `home_keys` in keys of the training
        pieces drawn from them. `duration_bias` (melodies): scores added to each duration's
        (`midigan.music.rhythm`)."""
        if key is not None:
            parse_key(key)  # refuse a bad key before sampling
        plans = forms.draw(bars, count, np.random.default_rng(seed)) if forms is not None else None
        if melody is not None:
            primer, bars, plans = self.melody_primer(melody, count)
        top_p = self.default_top_p if top_p is None else top_p
        pieces = self.draw(generator, bars, count, seed, temperature, top_p, plans, primer, tempo, program, duration_bias)
        if primer is not None:
            return [join(primer, piece) for piece in pieces]
        pieces = [in_key(piece, key) for piece in pieces]
        if key is None and home_keys is not None:
            pieces = [piece.transpose(shift) for piece, shift in zip(pieces, home_keys.draw(count, seed))]
        return pieces

    def melody_primer(self, melody: Song, count: int) -> tuple[Primer, int, list[list[int]]]:
        """(the melody as a one-part primer, its bars, its form for every piece)."""
        raise ValueError("this model writes melodies; harmonising one needs a model of several parts")

    def draw(self, generator: nn.Module, bars: int, count: int, seed: int | None, temperature: float, top_p: float,
             plans: list[list[int]] | None, primer: Primer | None, tempo: float, program: int,
             duration_bias: torch.Tensor | None = None) -> list[Song]:
        """`count` pieces in the common key, `bars` long; with `primer`, what follows it. Models of
        parts choose no durations (their grid holds notes on) and ignore `duration_bias`."""
        raise NotImplementedError

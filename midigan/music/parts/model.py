"""The "music-poly" GAN family: every part of a piece, 16th by 16th, judged by a part-aware critic.

Why this shape: one LSTM runs over the grid's steps and reads the previous step of every voice;
at each step the voices are chosen from the highest down, each seeing the choices above it, so
the bass hears the melody it harmonises (and a given melody can be fed as voice 0: that is
harmonisation). Outputs are straight-through Gumbel one-hots, as in the melody family; the
discriminator reads each voice's one-hots in its own channels, so it can compare parts, and is
convolutional so that WGAN-GP and R1 can differentiate it twice. Pieces of any length come from
running the LSTM for as many bars as asked.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from midigan.music.errors import EncodingError
from midigan.music.family import MusicFamily
from midigan.music.form import bar_sources
from midigan.music.layers import StepwiseLSTM, straight_through
from midigan.music.nucleus import PIECE_TOP_P
from midigan.music.parts.critic_features import feature_count, musical_features
from midigan.music.parts.grid import GridVocabulary, from_grid
from midigan.music.parts.voice_leading import SILENT, IntervalBias, MelodicBias, latest_pitches, sounding, step_sounding
from midigan.music.primer import Primer, prepare_primer
from midigan.song import Song


class PolyGenerator(StepwiseLSTM):
    """LSTM over grid steps; per step, voices chosen top-down."""

    def __init__(self, vocabulary: GridVocabulary, hidden: int, layers: int, embed: int, noise_dim: int, dropout: float,
                 head: int | None = None, melodic: bool = False):
        super().__init__()
        head = head or hidden
        self.sizes, self.bar_steps, self.noise_dim = vocabulary.sizes, vocabulary.bar_steps, noise_dim
        # previous-step tokens (plus START) and this step's choices above a voice, per voice
        self.previous = nn.ParameterList([nn.Parameter(torch.randn(size + 1, embed) * 0.1) for size in self.sizes])
        self.above = nn.ParameterList([nn.Parameter(torch.randn(size, embed) * 0.1) for size in self.sizes])
        self.position = nn.Parameter(torch.randn(self.bar_steps, embed) * 0.1)
        self.lstm = nn.LSTM(embed * (len(self.sizes) + 1) + noise_dim, hidden, num_layers=layers, batch_first=True,
                            dropout=dropout if layers > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        self.heads = nn.ModuleList(
            nn.Sequential(nn.Linear(hidden + embed, head), nn.ReLU(), nn.Linear(head, size)) for size in self.sizes
        )
        self.lows = list(vocabulary.low)
        pitched = [not vocabulary.layout.parts[part].is_drum for part in vocabulary.voice_part]
        self.voice_leading = IntervalBias(self.lows, self.sizes, pitched)
        self.melodic = MelodicBias(self.lows, self.sizes) if melodic else None

    def inputs(self, previous: list[torch.Tensor], position: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """LSTM input from each voice's previous one-hot (START included) and the position one-hot."""
        parts = [one_hot @ table for one_hot, table in zip(previous, self.previous)]
        return self.dropout(torch.cat(parts + [position @ self.position, z], dim=-1))

    def voice_logits(self, voice: int, hidden: torch.Tensor, above: torch.Tensor, before: torch.Tensor,
                     now: torch.Tensor, latest: torch.Tensor) -> torch.Tensor:
        """Scores of `voice`'s tokens from the LSTM state, the voices above it (`above`), and
        what every voice sounded at the step before, the voices above sound now and every voice's
        latest pitch (for the voice-leading and melodic biases)."""
        logits = self.heads[voice](torch.cat([hidden, above], dim=-1)) + self.voice_leading(voice, before, now)
        return logits if self.melodic is None else logits + self.melodic(voice, before, latest)

    def above_of(self, voice: int, one_hot: torch.Tensor) -> torch.Tensor:
        """What voice `voice`'s choice tells the voices below it."""
        return one_hot @ self.above[voice]

    def start(self, n: int, device: torch.device) -> list[torch.Tensor]:
        return [F.one_hot(torch.full((n,), size, device=device), size + 1).float() for size in self.sizes]

    def teacher_forced(self, rows: torch.Tensor, z: torch.Tensor) -> list[torch.Tensor]:
        """Logits of every voice at every step of windows `rows` (B, L+1, V), given the true
        previous step and the true choices above each voice."""
        previous, current = rows[:, :-1], rows[:, 1:]
        dtype = self.position.dtype
        steps = current.shape[1]
        position = F.one_hot(torch.arange(steps, device=rows.device) % self.bar_steps, self.bar_steps).to(dtype)
        x = self.inputs([F.one_hot(previous[..., v], size + 1).to(dtype) for v, size in enumerate(self.sizes)],
                        position.expand(len(rows), -1, -1), z)
        hidden, _ = self.lstm(x)
        hidden = self.dropout(hidden)
        carried = self.carried(previous[:, 0])
        now = sounding(current, self.lows, carried=carried)
        before = torch.cat([carried[:, None], now[:, :-1]], dim=1)
        latest = torch.cat([carried[:, None], latest_pitches(current, self.lows, carried=carried)[:, :-1]], dim=1)
        above = torch.zeros(*hidden.shape[:2], self.position.shape[1], device=rows.device, dtype=dtype)
        logits = []
        for voice, size in enumerate(self.sizes):
            logits.append(self.voice_logits(voice, hidden, above, before, now, latest))
            above = above + self.above_of(voice, F.one_hot(current[..., voice], size).to(dtype))
        return logits

    def carried(self, row: torch.Tensor) -> torch.Tensor:
        """Pitches sounding at a window's row 0: its onsets (START and holds give SILENT)."""
        sizes = torch.as_tensor(self.sizes, device=row.device)
        low = torch.as_tensor(self.lows, device=row.device)
        return torch.where((row >= 2) & (row < sizes), row - 2 + low, SILENT)

    def forward(self, noise: torch.Tensor) -> torch.Tensor:
        """Free-running windows from `noise` (B, L, noise_dim + sum of voice sizes: normal noise,
        then Gumbel noise per voice). Returns (B, L, sum of sizes + bar_steps): straight-through
        one-hots of every voice and the one-hot position in the bar."""
        n, length, _ = noise.shape
        z, *gumbels = noise.split([self.noise_dim, *self.sizes], dim=-1)
        previous = self.start(n, noise.device)
        before = torch.full((n, len(self.sizes)), SILENT, dtype=torch.long, device=noise.device)
        latest = before.clone()
        state, outputs = None, []
        for t in range(length):
            position = F.one_hot(torch.full((n,), t % self.bar_steps, device=noise.device), self.bar_steps).to(z.dtype)
            hidden, state = self.step(self.inputs(previous, position, z[:, t]), state)
            above = torch.zeros(n, self.position.shape[1], device=noise.device, dtype=hidden.dtype)
            now, chosen = before.clone(), []
            for voice in range(len(self.sizes)):
                one_hot = straight_through(self.voice_logits(voice, hidden, above, before, now, latest) + gumbels[voice][:, t])
                above = above + self.above_of(voice, one_hot)
                now[:, voice] = step_sounding(before[:, voice], one_hot.argmax(-1), self.lows[voice])
                chosen.append(one_hot)
            latest = torch.where(now >= 0, now, latest)
            before = now
            outputs.append(torch.cat(chosen + [position.to(chosen[0].dtype)], dim=-1))
            # fed back without gradient, as in the melody generator (see TuneGenerator.forward)
            previous = [F.pad(one_hot, (0, 1)).detach() for one_hot in chosen]
        return torch.stack(outputs, dim=1)


#: what must agree between a starting model (`--from`) and the new one for the weights to fit
SHAPE_SETTINGS = ("hidden", "layers", "embed", "noise_dim", "head")


class PolyFamily(MusicFamily):
    """Multi-part grid GAN over one vocabulary (meter, parts, voice ranges)."""

    name = "music-poly"
    vocabulary_type = GridVocabulary
    #: a polyphonic adversarial step costs about thirty likelihood steps on a CPU (every voice of
    #: every 16th, run free), and the chorales' held-out likelihood still improved at 60% of ten minutes
    pretrain_time_share = 0.8
    harmonises = True
    default_top_p = PIECE_TOP_P
    #: training settings of a new run that differ from `midigan train`'s defaults. Batches of 32: a
    #: model of parts learnt more from the same examples (held-out loss after 1,200 steps of 32 against
    #: 600 of 64: chorales 1.86 against 2.09 nats a grid step, Trecento 1.32 against 1.43; madrigals, 150
    #: CPU seconds each: 3.53 against 3.73 a note). A check every 25 steps: with checks every 100, runs
    #: of 30-60 adversarial steps judged none of them (best.pt stayed the pretrained model) and lost up
    #: to 99 pretraining steps when pretraining ended between checks; checked every 30, an adversarial
    #: checkpoint was the best in 3 of 8 short runs, every 25 in all five ten-minute runs (docs/parts.md)
    recipe: ClassVar[dict[str, Any]] = {"batch_size": 32, "eval_every": 25}

    #: besides the shared settings: the width of each voice's head (None: the LSTM's, as models from
    #: before had), whether a melodic-interval bias scores each voice's pitches, and whether the
    #: critic reads the music's features besides the tokens (`midigan.music.parts.critic_features`)
    settings = (*MusicFamily.settings, "head", "melodic", "critic_features")

    def __init__(self, vocabulary: GridVocabulary, window: int = 128, hidden: int = 256, layers: int = 1, embed: int = 32,
                 noise_dim: int = 8, d_width: int = 128, feature_matching: float = 1.0, mle_weight: float = 1.0,
                 dropout: float = 0.0, head: int | None = None, melodic: bool = False, critic_features: bool = False):
        super().__init__(vocabulary, window, hidden, layers, embed, noise_dim, d_width, feature_matching, mle_weight, dropout)
        self.head, self.melodic, self.critic_features = head or hidden, melodic, critic_features

    def config(self) -> dict[str, Any]:
        """The settings; a model of the shape from before heads, the melodic bias and the critic's
        features leaves them out, as runs from before did (so that they resume)."""
        config = super().config()
        for name, before in (("head", self.hidden), ("melodic", False), ("critic_features", False)):
            if config[name] == before:
                del config[name]
        return config

    def build_generator(self) -> PolyGenerator:
        return self.started(self._new_generator())

    def _new_generator(self) -> PolyGenerator:
        return PolyGenerator(self.vocabulary, self.hidden, self.layers, self.embed, self.noise_dim, self.dropout, self.head,
                             self.melodic)

    def adapt_from(self, source) -> str:
        """Start from a trained model of parts (`midigan.music.parts.adapt`): its network's shape,
        its weights mapped onto this folder's parts, ranges, grid and meter."""
        from midigan.music.parts.adapt import adapt_weights

        if not isinstance(source.family, PolyFamily):
            return super().adapt_from(source)
        differing = [name for name in SHAPE_SETTINGS if getattr(source.family, name) != getattr(self, name)]
        if differing:
            raise EncodingError(f"the starting model's {', '.join(differing)} differ from this run's: start it without --from")
        with torch.random.fork_rng():
            torch.manual_seed(0)  # what the source cannot give starts the same way every time
            fresh = self._new_generator().state_dict()
        self.start_weights, note = adapt_weights(source.family.vocabulary, source.generator.state_dict(), self.vocabulary, fresh,
                                                 self.embed)
        return note

    @property
    def output_width(self) -> int:
        tokens = sum(self.vocabulary.sizes) + self.vocabulary.bar_steps
        return tokens + (feature_count(self.vocabulary) if self.critic_features else 0)

    @property
    def choices(self) -> int:
        return sum(self.vocabulary.sizes)

    def sample_noise(self, n: int, device: torch.device, generator: torch.Generator | None = None) -> torch.Tensor:
        """Per grid step: normal noise, then Gumbel noise per voice (grid windows need no form)."""
        return torch.cat(self.base_noise(n, device, generator), dim=-1)

    def real_input(self, batch: torch.Tensor) -> torch.Tensor:
        rows = batch[:, 1:]
        steps = torch.arange(rows.shape[1], device=batch.device) % self.vocabulary.bar_steps
        position = F.one_hot(steps, self.vocabulary.bar_steps).expand(len(rows), -1, -1)
        voices = [F.one_hot(rows[..., v], size) for v, size in enumerate(self.vocabulary.sizes)]
        return self.with_features(torch.cat(voices + [position], dim=-1).float())

    def fake_input(self, fake: torch.Tensor) -> torch.Tensor:
        return self.with_features(fake.float())

    def with_features(self, one_hots: torch.Tensor) -> torch.Tensor:
        """What the critic reads: the voices' one-hots and the position, and the music's features."""
        if not self.critic_features:
            return one_hots
        voices = one_hots.split([*self.vocabulary.sizes, self.vocabulary.bar_steps], dim=-1)[:-1]
        return torch.cat([one_hots, musical_features(list(voices), self.vocabulary)], dim=-1)

    @property
    def part_names(self) -> list[str]:
        return [part.name for part in self.vocabulary.layout.parts]

    def songs_from_output(self, fake: torch.Tensor) -> list[Song]:
        parts = fake.split([*self.vocabulary.sizes, self.vocabulary.bar_steps], dim=-1)
        grids = torch.stack([part.argmax(-1) for part in parts[:-1]], dim=-1).cpu().numpy()
        return [from_grid(grid, self.vocabulary) for grid in grids]

    def primer_song(self, song: Song) -> Song:
        from midigan.music.parts.sampler import primer_parts

        return primer_parts(song, self.vocabulary)

    def melody_primer(self, melody: Song, count: int) -> tuple[Primer, int, list[list[int]]]:
        """A one-part primer as long as the melody, whose repeats the harmony follows. ValueError
        for a model of one part: its one part is the melody's, which came back alone as harmonised."""
        if len(self.vocabulary.layout.parts) < 2:
            raise ValueError(f"this model writes one part ({self.part_names[0]}); harmonising a melody "
                             "needs a model of several parts")
        primer = prepare_primer(melody.melody(), self.vocabulary.meter, what="melody")
        return primer, primer.bars, [bar_sources(primer.song)] * count

    def draw(self, generator: nn.Module, bars: int, count: int, seed: int | None, temperature: float, top_p: float,
             plans: list[list[int]] | None, primer: Primer | None, tempo: float, program: int,
             duration_bias: torch.Tensor | None = None) -> list[Song]:
        from midigan.music.parts.sampler import primer_grid, sample_grid

        del duration_bias  # a grid holds notes on from step to step: there is no duration to choose

        forced = primer_grid(primer, self.vocabulary) if primer is not None else None
        grids = sample_grid(generator, self.vocabulary, bars, count, seed, temperature, top_p, plans, forced)
        return [from_grid(grid, self.vocabulary, tempo=tempo, key=None) for grid in grids]

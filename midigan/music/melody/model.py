"""The "music-seq" GAN family: an LSTM that writes a tune note by note, judged by a 1-D conv net.

Why this shape (C-RNN-GAN / RelGAN lineage, see DESIGN.md): the generator is fed its previous
note, the position in the bar, the length of the tune it writes and fresh noise, and emits a
pitch (scored also by its interval from the previous one), then a duration conditioned on that
pitch. Outputs are straight-through Gumbel-softmax one-hots: discrete in the forward pass,
differentiable in the backward pass, so the discriminator sees exactly what a tune is made of.
Maximum-likelihood pre-training (teacher forcing) does most of the learning on a CPU budget; the
adversarial phase with feature matching then sharpens it. The discriminator is convolutional, not
recurrent, because cuDNN RNNs cannot be differentiated twice (WGAN-GP, R1).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from midigan.music.family import MusicFamily
from midigan.music.form import FormFollower
from midigan.music.layers import StepwiseLSTM, straight_through
from midigan.music.melody.encoding import REST_TOKEN, Vocabulary, decode
from midigan.music.nucleus import MELODY_TOP_P
from midigan.music.primer import Primer
from midigan.song import Song

#: The length the generator's length input is measured from (log2(bars / this) = 0), and the length
#: a free-running tune is given when there are no training forms to take one from.
TYPICAL_BARS = 16


class TuneGenerator(StepwiseLSTM):
    """LSTM over notes. One step reads (previous pitch, previous duration, position, noise) and,
    with `tune_bars` (the training tunes' shortest and longest length in bars), the length of the
    tune being written: on the small folders the defaults are tuned on, tunes of 16 bars or more
    have 0.2-0.4 fewer notes a bar than the shorter ones the model mostly learns from.

    With `interval_scores`, each pitch's score adds one learnt number per interval from the
    previous pitch, shared by every pitch: "a step is likelier than a leap" is learnt once, not
    once per pitch, which a folder of 40 tunes cannot teach (the tunes leapt more than real ones).

    With `position_durations`, a duration is chosen from the place in the bar as well as the
    LSTM's state and the pitch: a dotted eighth on the beat and the sixteenth after it are a pair
    of places (fiddle tunes came out in even eighths, duration entropy 0.90 against 1.07-1.18).
    """

    def __init__(self, vocabulary: Vocabulary, hidden: int, layers: int, embed: int, noise_dim: int, dropout: float = 0.0,
                 tune_bars: tuple[int, int] | None = None, interval_scores: bool = False, position_durations: bool = False):
        super().__init__()
        self.position_durations = position_durations
        self.n_pitches, self.n_durations, self.bar_length = vocabulary.n_pitches, vocabulary.n_durations, vocabulary.bar_length
        self.noise_dim, self.tune_bars = noise_dim, tune_bars
        self.register_buffer("lengths", torch.tensor(vocabulary.durations, dtype=torch.long), persistent=False)
        self.pitch_embedding = nn.Parameter(torch.randn(self.n_pitches + 1, embed) * 0.1)  # last row: START
        self.duration_embedding = nn.Parameter(torch.randn(self.n_durations, embed) * 0.1)
        self.position_embedding = nn.Parameter(torch.randn(self.bar_length, embed) * 0.1)
        inputs = 3 * embed + noise_dim + (tune_bars is not None)
        self.lstm = nn.LSTM(inputs, hidden, num_layers=layers, batch_first=True, dropout=dropout if layers > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        self.pitch_head = nn.Linear(hidden, self.n_pitches)
        if interval_scores:
            span = self.n_pitches - 1  # sounding pitches are tokens 1..span
            self.interval_score = nn.Parameter(torch.zeros(2 * span - 1))
            previous, following = torch.arange(self.n_pitches + 1)[:, None], torch.arange(self.n_pitches)[None, :]
            sounding = (previous >= 1) & (previous <= span) & (following >= 1)
            index = torch.where(sounding, following - previous + span - 1, 2 * span - 1)
            self.register_buffer("interval_index", index, persistent=False)
        else:
            self.interval_score = None
        self.duration_head = nn.Sequential(nn.Linear(hidden + embed * (1 + position_durations), hidden), nn.ReLU(),
                                           nn.Linear(hidden, self.n_durations))

    # -- building blocks shared by teacher forcing, free running and sampling
    def inputs(self, previous_pitch: torch.Tensor, previous_duration: torch.Tensor, position: torch.Tensor, z: torch.Tensor,
               bars: torch.Tensor | None = None) -> torch.Tensor:
        """LSTM input from one-hot (or relaxed one-hot) previous tokens, one-hot position, noise
        and, for a length-aware generator, the tune's length in `bars`."""
        parts = [previous_pitch @ self.pitch_embedding, previous_duration @ self.duration_embedding, position @ self.position_embedding, z]
        if self.tune_bars is not None:
            parts.append(self.length_feature(bars).to(z.dtype)[..., None])
        return self.dropout(torch.cat(parts, dim=-1))

    def length_feature(self, bars: torch.Tensor) -> torch.Tensor:
        """log2(bars / TYPICAL_BARS), the length first clipped to the training tunes' range: a length the
        model never saw reads as the nearest it did."""
        shortest, longest = self.tune_bars
        return torch.log2(bars.float().clamp(shortest, longest) / TYPICAL_BARS)

    def pitch_logits(self, hidden: torch.Tensor, previous_pitch: torch.Tensor) -> torch.Tensor:
        """Pitch scores given the LSTM state and the (one-hot, START included) previous pitch."""
        logits = self.pitch_head(hidden)
        if self.interval_score is None:
            return logits
        table = torch.cat([self.interval_score, self.interval_score.new_zeros(1)])[self.interval_index]
        return logits + previous_pitch.to(table.dtype) @ table

    def duration_logits(self, hidden: torch.Tensor, pitch: torch.Tensor, position: torch.Tensor) -> torch.Tensor:
        """Duration scores given the LSTM state, the (one-hot) pitch just chosen and the (one-hot)
        place in the bar it starts at."""
        parts = [hidden, pitch @ self.pitch_embedding[: self.n_pitches]]
        if self.position_durations:
            parts.append(position.to(hidden.dtype) @ self.position_embedding)
        return self.duration_head(torch.cat(parts, dim=-1))

    def start(self, n: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        """One-hot START pitch and an all-zero duration: what precedes a tune's first note."""
        pitch = torch.zeros(n, self.n_pitches + 1, device=device)
        pitch[:, -1] = 1
        return pitch, torch.zeros(n, self.n_durations, device=device)

    # -- the three uses
    def teacher_forced(self, rows: torch.Tensor, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(pitch logits, duration logits) for every token of windows `rows` (B, L+1, 4), given the
        true previous tokens and, for durations, the true pitch."""
        previous, current = rows[:, :-1], rows[:, 1:]
        dtype = self.pitch_embedding.dtype
        previous_pitch = F.one_hot(previous[..., 0], self.n_pitches + 1).to(dtype)
        position = F.one_hot(current[..., 2], self.bar_length).to(dtype)
        x = self.inputs(
            previous_pitch,
            F.one_hot(previous[..., 1], self.n_durations).to(dtype) * (previous[..., :1] < self.n_pitches),
            position,
            z,
            current[..., 3],
        )
        hidden, _ = self.lstm(x)
        hidden = self.dropout(hidden)
        pitch_logits = self.pitch_logits(hidden, previous_pitch)
        return pitch_logits, self.duration_logits(hidden, F.one_hot(current[..., 0], self.n_pitches).to(hidden.dtype), position)

    def forward(self, noise: torch.Tensor) -> torch.Tensor:
        """Free-running tunes from `noise` (B, L, noise_dim + n_pitches + n_durations [+ 1] [+ 1]:
        normal noise, Gumbel noise for the two choices, optionally a bar plan: the source bar of
        bar b at step b, see `midigan.music.form`; and, for a length-aware generator, the tune's
        length in bars). Returns (B, L, n_pitches + n_durations + bar_length): straight-through
        one-hots of pitch and duration, and the one-hot position in the bar."""
        bars = None
        if self.tune_bars is not None:
            bars, noise = noise[:, 0, -1], noise[..., :-1]
        n, length, channels = noise.shape
        sizes = [self.noise_dim, self.n_pitches, self.n_durations]
        follower = None
        if channels > sum(sizes):
            follower = FormFollower(noise[..., -1].round().long(), self.bar_length, self.lengths)
            noise = noise[..., :-1]
        z, pitch_gumbel, duration_gumbel = noise.split(sizes, dim=-1)
        previous_pitch, previous_duration = self.start(n, noise.device)
        elapsed = torch.zeros(n, dtype=torch.long, device=noise.device)
        rows = torch.arange(n, device=noise.device)
        state, outputs = None, []
        for t in range(length):
            position_onehot = F.one_hot(elapsed % self.bar_length, self.bar_length).to(z.dtype)
            hidden, state = self.step(self.inputs(previous_pitch, previous_duration, position_onehot, z[:, t], bars), state)
            pitch = straight_through(self.pitch_logits(hidden, previous_pitch) + pitch_gumbel[:, t])
            duration = straight_through(self.duration_logits(hidden, pitch, position_onehot) + duration_gumbel[:, t])
            token = torch.cat([pitch, duration], dim=-1)
            copy = follower.copy_from(elapsed) if follower is not None else None
            if copy is not None and t:  # a repeated bar: the earlier token itself, gradient and all
                earlier = torch.stack(outputs, dim=1)[rows, copy.clamp(min=0), : token.shape[-1]]
                token = torch.where((copy >= 0)[:, None], earlier, token)
                pitch, duration = token.split([self.n_pitches, self.n_durations], dim=-1)
            outputs.append(torch.cat([token, position_onehot.to(token.dtype)], dim=-1))
            if follower is not None:
                follower.record(t, elapsed, duration.argmax(-1), pitch.argmax(-1) == REST_TOKEN)
            # fed back without gradient: through 64 steps of sampled inputs it explodes (measured
            # norm ~3e5 against ~1 for the likelihood), and the discriminator's signal still
            # reaches every step through that step's own output
            previous_pitch = F.pad(pitch, (0, 1)).detach()
            previous_duration = duration.detach()
            elapsed = elapsed + self.lengths[duration.argmax(-1)]
        return torch.stack(outputs, dim=1)


class MusicSeqFamily(MusicFamily):
    """Note-token sequence GAN over one vocabulary (meter, pitch range, durations)."""

    name = "music-seq"
    vocabulary_type = Vocabulary
    settings = (*MusicFamily.settings, "tune_bars", "interval_scores", "position_durations")
    pretrain_time_share = 0.6  # a melody model on a small folder stops improving within a minute or two
    unit = "tune"
    default_top_p = MELODY_TOP_P

    def __init__(self, vocabulary: Vocabulary, window: int = 64, hidden: int = 256, layers: int = 2, embed: int = 32,
                 noise_dim: int = 8, d_width: int = 128, feature_matching: float = 1.0, mle_weight: float = 1.0,
                 dropout: float = 0.0, tune_bars: tuple[int, int] | None = None, interval_scores: bool = False,
                 position_durations: bool = False):
        """`tune_bars`: the training tunes' shortest and longest length in bars, for a generator
        told each tune's length; `interval_scores`: a generator that scores each pitch by its
        interval from the previous one too; `position_durations`: durations chosen from the place in
        the bar too (see `TuneGenerator`). Models trained before these existed have none of them."""
        super().__init__(vocabulary, window, hidden, layers, embed, noise_dim, d_width, feature_matching, mle_weight, dropout)
        self.tune_bars = tuple(tune_bars) if tune_bars is not None else None
        self.interval_scores, self.position_durations = interval_scores, position_durations

    def config(self) -> dict:
        """The settings; a model without `position_durations` leaves it out, as runs from before it did
        (so that they resume: a resumed run's config must equal the stored one)."""
        config = super().config()
        if not self.position_durations:
            del config["position_durations"]
        return config

    def build_generator(self) -> TuneGenerator:
        return self.started(self._new_generator())

    def _new_generator(self) -> TuneGenerator:
        return TuneGenerator(self.vocabulary, self.hidden, self.layers, self.embed, self.noise_dim, self.dropout, self.tune_bars,
                             self.interval_scores, self.position_durations)

    def adapt_from(self, source) -> str:
        from midigan.music.melody.adapt import adapt_weights

        if not isinstance(source.family, MusicSeqFamily):
            return super().adapt_from(source)
        with torch.random.fork_rng():
            torch.manual_seed(0)  # rows the source cannot give start the same way every time
            fresh = self._new_generator().state_dict()
        self.start_weights, note = adapt_weights(source.family, source.generator.state_dict(), self, fresh)
        return note

    @property
    def output_width(self) -> int:
        v = self.vocabulary
        return v.n_pitches + v.n_durations + v.bar_length

    @property
    def choices(self) -> int:
        return self.vocabulary.n_pitches + self.vocabulary.n_durations

    def sample_noise(self, n: int, device: torch.device, generator: torch.Generator | None = None) -> torch.Tensor:
        """Per note: normal noise and Gumbel noise for the pitch and duration choices; then a
        training tune's form, and for a length-aware generator that tune's length in bars
        (TYPICAL_BARS without forms)."""
        parts = self.base_noise(n, device, generator)
        z = parts[0]
        bars = torch.full((n,), float(TYPICAL_BARS), device=device)
        if self.forms is not None:
            plans, counts, lengths = self._plan_table(device)
            chosen = torch.multinomial(counts, n, replacement=True, generator=generator)
            parts.append(plans[chosen].to(z.dtype)[..., None])
            bars = lengths[chosen]
        if self.tune_bars is not None:
            parts.append(bars.to(z.dtype)[:, None, None].expand(n, self.window, 1))
        return torch.cat(parts, dim=-1)

    def _plan_table(self, device: torch.device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The forms as window-long plans (one bar per step at most), how many tunes had each,
        and each form's length in bars; cached per device."""
        if getattr(self, "_plans", None) is None or self._plans[0].device != device:
            plans, counts = self.forms.table(self.window)
            lengths = torch.tensor([len(form) for form in self.forms.forms], dtype=torch.float)
            self._plans = (plans.to(device), counts.to(device=device, dtype=torch.float), lengths.to(device))
        return self._plans

    def real_input(self, batch: torch.Tensor) -> torch.Tensor:
        v, rows = self.vocabulary, batch[:, 1:]
        return torch.cat(
            [F.one_hot(rows[..., 0], v.n_pitches), F.one_hot(rows[..., 1], v.n_durations), F.one_hot(rows[..., 2], v.bar_length)], dim=-1
        ).float()

    def songs_from_output(self, fake: torch.Tensor) -> list[Song]:
        tokens = output_tokens(fake, self.vocabulary).cpu().numpy()
        return [decode(rows[:, 0], rows[:, 1], self.vocabulary) for rows in tokens]

    def primer_song(self, song: Song) -> Song:
        return song.melody()

    def draw(self, generator: nn.Module, bars: int, count: int, seed: int | None, temperature: float, top_p: float,
             plans: list[list[int]] | None, primer: Primer | None, tempo: float, program: int,
             duration_bias: torch.Tensor | None = None) -> list[Song]:
        from midigan.music.melody.sampler import primer_tokens, sample_tokens

        prefix = primer_tokens(primer, self.vocabulary) if primer is not None else None
        tunes = sample_tokens(generator, self.vocabulary, bars, count, seed, temperature, top_p, plans, prefix, duration_bias)
        if primer is None:
            return [decode(p, d, self.vocabulary, tempo=tempo, program=program, key=None) for p, d in tunes]
        fed = len(prefix[0])
        played = primer.song.notes["program"]  # the tune carries on in the primer's instrument, not in --program's
        program = int(played[-1]) if len(played) else program
        return [decode(p[fed:], d[fed:], self.vocabulary, start=primer.steps, program=program, key=None) for p, d in tunes]


def output_tokens(output: torch.Tensor, vocabulary: Vocabulary) -> torch.Tensor:
    """Token ids (B, L, 3: pitch, duration, position in bar) of one-hot discriminator input,
    real or generated."""
    parts = output.split([vocabulary.n_pitches, vocabulary.n_durations, vocabulary.bar_length], dim=-1)
    return torch.stack([part.argmax(-1) for part in parts], dim=-1)

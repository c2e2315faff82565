"""The table family: how rows, conditions and noise meet the engine.

- Real rows arrive as state codes and scores (see `encoding`); the discriminator sees one-hot
  states and scores, in packs of `pac` rows. Generated rows reach it as Gumbel-softmax states
  (CTGAN's relaxation, temperature `tau`) with each score scaled by the probability of its
  column's continuous state, so a generated gap carries no score, as a real one does.
- Conditions (CTGAN's conditional vector): the generator gets, beside the noise, the state of one
  column drawn from the real batch, so its rows follow the data's own mix; a cross-entropy on
  extra rows whose conditions are drawn by log-frequency (training-by-sampling) teaches it to obey
  a condition, rare categories included. That is what `--where` asks of it.
- Pretraining: the generator is the decoder of a VAE (reconstruction of the real row plus a KL
  term), so the adversarial phase starts from a model that already has the marginals.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from midigan.core.family import GANFamily
from midigan.table.encoding import TableEncoding
from midigan.table.networks import TableDiscriminator, TableGenerator

SETTINGS = {
    "noise_dim": 128,
    "hidden": 256,
    "depth": 2,
    "pac": 10,
    "embed": 128,
    "tau": 0.2,
    "condition_weight": 1.0,
    "condition_share": 0.25,
    "kl_weight": 1.0,
    "dropout": 0.5,
    "anchor_weight": 0.0,  # the VAE loss kept beside the adversarial one
}


class TableFamily(GANFamily):
    name = "table-gan"

    def __init__(self, encoding: TableEncoding | dict, **settings: Any):
        unknown = set(settings) - set(SETTINGS)
        if unknown:
            raise ValueError(f"unknown table model settings: {', '.join(sorted(unknown))}")
        self.settings = {**SETTINGS, **settings}
        self.encoding = encoding if isinstance(encoding, TableEncoding) else TableEncoding.from_dict(encoding)
        widths = self.encoding.widths
        self.n_columns = len(widths)
        self.offsets = torch.tensor(np.concatenate([[0], np.cumsum(widths)[:-1]]), dtype=torch.long)
        self.row_width = int(sum(widths))
        self.scalar_count = len(self.encoding.scalar_columns)
        # the continuous state's one-hot position of each scored column
        self.continuous_positions = torch.tensor(
            [int(self.offsets[index]) + self.encoding.codes[index].continuous_state for index in self.encoding.scalar_columns],
            dtype=torch.long,
        )
        conditions = self.encoding.condition_columns
        self.condition_columns = torch.tensor(conditions, dtype=torch.long)
        condition_widths = [widths[index] for index in conditions]
        self.condition_offsets = torch.tensor(
            np.concatenate([[0], np.cumsum(condition_widths)[:-1]]) if conditions else [], dtype=torch.long
        )
        self.condition_width = int(sum(condition_widths))
        data_share, log_share = [], []
        for index in conditions:
            frequencies = np.asarray(self.encoding.codes[index].frequencies, dtype=float)
            data_share.append(frequencies / len(conditions))
            logs = np.log1p(frequencies * 1000) * (frequencies > 0)
            log_share.append(logs / logs.sum() / len(conditions))
        self.data_condition_probs = torch.tensor(np.concatenate(data_share) if conditions else [], dtype=torch.float)
        self.log_condition_probs = torch.tensor(np.concatenate(log_share) if conditions else [], dtype=torch.float)
        # which condition column each condition position belongs to
        self.condition_owner = (
            torch.repeat_interleave(torch.arange(len(conditions)), torch.tensor(condition_widths, dtype=torch.long))
            if conditions
            else torch.zeros(0, dtype=torch.long)
        )

    # ---------------------------------------------------------------- engine
    def build_generator(self) -> nn.Module:
        s = self.settings
        return TableGenerator(s["noise_dim"], self.condition_width, self.row_width, self.scalar_count, s["hidden"], s["depth"])

    def build_discriminator(self) -> nn.Module:
        s = self.settings
        return TableDiscriminator(self.row_width + self.scalar_count, s["pac"], s["hidden"], s["embed"], s["dropout"])

    def config(self) -> dict[str, Any]:
        return {"encoding": self.encoding.to_dict(), "settings": dict(self.settings)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> TableFamily:
        return cls(config["encoding"], **config["settings"])

    def sample_noise(self, n: int, device: torch.device, generator: torch.Generator | None = None) -> torch.Tensor:
        """Noise with conditions drawn as the training rows have them (unconditional generation)."""
        generator = _cpu(generator)
        positions = self._draw_positions(self.data_condition_probs, n, generator)
        return torch.cat([self._noise(n, generator), self._one_hot_conditions(positions, n)], dim=1).to(device)

    def generator_input(
        self, batch: torch.Tensor, n: int, device: torch.device, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        generator = _cpu(generator)
        conditions = self.batch_conditions(batch[:n], generator)
        return torch.cat([self._noise(n, generator).to(device), conditions.to(device)], dim=1)

    def real_input(self, batch: torch.Tensor) -> torch.Tensor:
        return self._pack(self.real_rows(batch))

    def fake_input(self, fake: torch.Tensor) -> torch.Tensor:
        logits, scores = fake[:, : self.row_width], fake[:, self.row_width :]
        probabilities = torch.cat(
            [F.gumbel_softmax(segment.float(), tau=self.settings["tau"]).to(segment.dtype) for segment in self._segments(logits)],
            dim=1,
        )
        if self.scalar_count:
            scores = scores * probabilities[:, self.continuous_positions.to(fake.device)]
        return self._pack(torch.cat([probabilities, scores], dim=1))

    def pretrain_loss(self, generator: nn.Module, batch: torch.Tensor) -> torch.Tensor:
        """VAE: reconstruction of each state (cross-entropy) and score (Gaussian), plus KL."""
        rows = self.real_rows(batch)
        mean, log_var = generator.encode(rows)
        latent = mean + torch.randn_like(mean) * (0.5 * log_var).exp()
        logits, means = generator.parts(latent, self.batch_conditions(batch).to(batch.device))
        states = batch[:, : self.n_columns].long()
        loss = sum(
            F.cross_entropy(segment.float(), states[:, index], reduction="sum")
            for index, segment in enumerate(self._segments(logits))
        ) / len(batch)
        if self.scalar_count:
            scores = batch[:, self.n_columns :]
            scored = rows[:, self.continuous_positions.to(batch.device)]  # 1 where the row has a continuous value
            sigma = generator.log_sigma.exp()
            nll = 0.5 * ((scores - means.float()) / sigma).pow(2) + generator.log_sigma
            loss = loss + (nll * scored).sum() / len(batch)
        kl = -0.5 * (1 + log_var - mean.pow(2) - log_var.exp()).sum(dim=1).mean()
        return loss + self.settings["kl_weight"] * kl

    def generator_aux_loss(
        self, generator: nn.Module, discriminator: nn.Module, fake_input: torch.Tensor, batch: torch.Tensor
    ) -> torch.Tensor | None:
        """Training-by-sampling: obey conditions drawn by log-frequency (cross-entropy); and, with
        `anchor_weight`, the VAE's loss on the real batch, so the adversarial phase sharpens the
        decoder without losing what reconstruction taught it."""
        terms = []
        if self.condition_width and self.settings["condition_weight"]:
            n = max(2, int(len(batch) * self.settings["condition_share"]))
            positions = self._draw_positions(self.log_condition_probs, n, None).to(batch.device)
            conditions = self._one_hot_conditions(positions, n).to(batch.device)
            logits, _ = generator.parts(self._noise(n, None, scores=False).to(batch.device), conditions)
            terms.append(self.settings["condition_weight"] * self.condition_loss(logits, positions))
        if self.settings["anchor_weight"]:
            terms.append(self.settings["anchor_weight"] * self.pretrain_loss(generator, batch) / self.n_columns)
        return sum(terms) if terms else None

    def write_samples(self, fake: torch.Tensor, out_stem: Path) -> None:
        from midigan.table.reading import write_table
        from midigan.table.written import from_typed

        typed = self.decode(fake, np.random.default_rng(0), torch.Generator().manual_seed(0))
        write_table(from_typed(typed, self.encoding.columns, len(fake)), Path(f"{out_stem}.csv"), self.encoding.columns)

    # ----------------------------------------------------------------- rows
    def real_rows(self, batch: torch.Tensor) -> torch.Tensor:
        """One-hot states and scores of real rows: (n, row width + scores)."""
        states = batch[:, : self.n_columns].long() + self.offsets.to(batch.device)
        one_hot = torch.zeros(len(batch), self.row_width, device=batch.device, dtype=batch.dtype).scatter_(1, states, 1.0)
        return torch.cat([one_hot, batch[:, self.n_columns :]], dim=1)

    def batch_conditions(self, batch: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """One-hot condition per row: the state of one column of that real row, the column drawn at random."""
        n = len(batch)
        if not self.condition_width:
            return torch.zeros(n, 0)
        chosen = torch.randint(len(self.condition_columns), (n,), generator=_cpu(generator))
        states = batch[:, : self.n_columns].long().cpu()[torch.arange(n), self.condition_columns[chosen]]
        return self._one_hot_conditions(self.condition_offsets[chosen] + states, n)

    def condition_loss(self, logits: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of each row's conditioned column against the state its condition names."""
        owner = self.condition_owner.to(logits.device)[positions]
        column = self.condition_columns.to(logits.device)[owner]
        start = self.offsets.to(logits.device)[column]
        width = torch.tensor(self.encoding.widths, device=logits.device)[column]
        places = torch.arange(self.row_width, device=logits.device)
        inside = (places >= start[:, None]) & (places < (start + width)[:, None])
        normaliser = torch.logsumexp(logits.float().masked_fill(~inside, float("-inf")), dim=1)
        target = start + positions - self.condition_offsets.to(logits.device)[owner]
        return (normaliser - logits.float().gather(1, target[:, None]).squeeze(1)).mean()

    def decode(
        self, fake: torch.Tensor, rng: np.random.Generator, generator: torch.Generator | None = None
    ) -> dict[str, np.ndarray]:
        """Typed values of generated rows: each state drawn from its softmax, scores as generated."""
        states, scores = self.draw(fake, generator)
        return self.encoding.decode(states, scores, rng)

    def draw(
        self, fake: torch.Tensor, generator: torch.Generator | None = None, uniforms: dict[int, torch.Tensor] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(states, scores) as numpy arrays from the generator's output. A column with `uniforms`
        (a copula's, see `copula`) takes its value by inverse CDF over its values in order (a numeric
        column's values rise with their state), the others at random."""
        fake = fake.detach().float().cpu()
        logits = fake[:, : self.row_width]
        uniforms = uniforms or {}
        states = []
        for index, segment in enumerate(self._segments(logits)):
            probabilities = segment.softmax(dim=1)
            if index in uniforms:
                states.append(_ordered_state(probabilities, uniforms[index], self.encoding.codes[index].missing, generator))
            else:
                states.append(torch.multinomial(probabilities, 1, generator=generator).squeeze(1))
        return torch.stack(states, dim=1).numpy(), fake[:, self.row_width :].numpy()

    # -------------------------------------------------------------- helpers
    def _segments(self, logits: torch.Tensor) -> list[torch.Tensor]:
        return list(torch.split(logits, self.encoding.widths, dim=1))

    def _pack(self, rows: torch.Tensor) -> torch.Tensor:
        pac = self.settings["pac"]
        if len(rows) % pac:
            raise ValueError(f"a batch of {len(rows)} rows does not split into packs of {pac}")
        return rows.reshape(len(rows) // pac, pac, rows.shape[1])

    @property
    def condition_start(self) -> int:
        """Where the condition begins in the generator's input (after the noise and score noise)."""
        return self.settings["noise_dim"] + self.scalar_count

    def _noise(self, n: int, generator: torch.Generator | None, scores: bool = True) -> torch.Tensor:
        """Latent noise, then (with `scores`) one more normal draw per continuous column."""
        return torch.randn(n, self.condition_start if scores else self.settings["noise_dim"], generator=_cpu(generator))

    def _draw_positions(self, probabilities: torch.Tensor, n: int, generator: torch.Generator | None) -> torch.Tensor:
        if not self.condition_width:
            return torch.zeros(n, dtype=torch.long)
        return torch.multinomial(probabilities, n, replacement=True, generator=_cpu(generator))

    def _one_hot_conditions(self, positions: torch.Tensor, n: int) -> torch.Tensor:
        conditions = torch.zeros(n, self.condition_width)
        if self.condition_width:
            conditions[torch.arange(n), positions.cpu()] = 1.0
        return conditions


def _ordered_state(probabilities: torch.Tensor, uniforms: torch.Tensor, gaps: bool, generator: torch.Generator | None) -> torch.Tensor:
    """States by inverse CDF of `uniforms` over the values; a gap (the last state, where `gaps`) is
    drawn on its own, so the coupling ties values to values and never a gap to a high value."""
    values = probabilities[:, : probabilities.shape[1] - gaps]
    total = values.sum(dim=1, keepdim=True)
    states = (values.cumsum(dim=1) < uniforms[:, None] * total).sum(dim=1).clamp(max=values.shape[1] - 1)
    if gaps:
        missing = torch.rand(len(probabilities), generator=generator) < probabilities[:, -1]
        states = torch.where(missing, probabilities.shape[1] - 1, states)
    return states


def _cpu(generator: torch.Generator | None) -> torch.Generator | None:
    """Noise and conditions are drawn on the CPU, so fixed noise is the same on every device; a
    device generator seeds a CPU one."""
    if generator is None or generator.device.type == "cpu":
        return generator
    seed = int(torch.randint(2**62, (1,), generator=generator, device=generator.device))
    return torch.Generator().manual_seed(seed)

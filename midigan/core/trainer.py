"""The training loop: one obvious path from data tensor to run folder.

Each step is one generator update: first supervised updates with the family's `pretrain_loss`
(phase "pretrain"), then `d_steps` discriminator updates followed by one generator update on the
last of them's fakes (phase "adversarial"). Pretraining ends at `pretrain_steps`, at
`pretrain_time_share` of a time budget, or when validation stops improving, whichever comes
first; the adversarial phase then starts from the best validated weights with a fresh optimizer
and EMA. The EMA generator follows every generator update, makes the samples and is what
validation judges; `checkpoints/best.pt` holds the best-judged step. With `augment_target` set,
every D update also moves the family's augmentation probability by how sure D is of real data
(`midigan.core.adaptive`). A family whose networks change as they train (progressive growing)
names its stage by the count of real examples shown (`GANFamily.stage_at`): the engine puts the
networks in that stage before every step and restarts both optimizers when it changes. For
translation (CycleGAN) the data may be a tuple of collections, drawn side by side; D may judge
fakes through a pool of past ones (`fake_pool`), and both learning rates may fall linearly to 0
over the end of the budget (`lr_decay_start`). Everything the run needs to continue exactly is in
`checkpoints/last.pt`.
"""

from __future__ import annotations

import contextlib
import json
import random
import signal
import threading
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import torch

from midigan.core import checkpoint as ckpt
from midigan.core.adaptive import AdaptiveAugment
from midigan.core.batches import batch_stream
from midigan.core.config import TrainConfig
from midigan.core.device import adam, autocast, configure_backend, prepare_module, resolve_device
from midigan.core.distributed import (
    any_replica,
    average_gradients,
    average_values,
    broadcast_parameters,
    detect_world,
    init_process_group,
)
from midigan.core.ema import ema_decay_at, make_ema, recompute_norm_statistics, update_ema
from midigan.core.errors import CheckpointError, NonFiniteLossError, TrainingError
from midigan.core.family import GANFamily
from midigan.core.losses import AdversarialLoss
from midigan.core.plot import write_loss_plot
from midigan.core.pool import FakePool
from midigan.core.rng import capture_rng_state, restore_rng_state, seed_everything
from midigan.core.runlog import RunningMeans, append_metrics, read_metrics, truncate_metrics
from midigan.core.validation import SCORE, Validation

#: Settings a resumed run must share with the run it continues (stopping rules, logging and device may change).
RUN_DEFINING = ("batch_size", "loss", "gp_weight", "r1_gamma", "r1_interval", "label_smoothing", "d_steps", "g_lr", "d_lr",
                "betas", "pretrain_steps", "ema_decay", "seed", "weight_decay", "eval_every", "patience",
                "adversarial_g_lr", "adversarial", "augment_target", "augment_images_to_full", "drift_weight", "fake_pool",
                "lr_decay_start")

#: Why a run or its pretraining stopped, for people.
STOP_REASONS = {
    "max_steps": "step limit reached",
    "max_minutes": "time budget used",
    "interrupted": "interrupted",
    "no_improvement": "validation stopped improving",
    "time_share": "its share of the time budget used",
}


@dataclass
class PhaseSummary:
    """One phase of a finished `fit()` (of this process's part of the run, when resumed)."""

    name: str  # "pretrain" | "adversarial"
    steps: int
    seconds: float
    ended: str  # a STOP_REASONS key


@dataclass
class TrainResult:
    """How a `fit()` ended: the step its last checkpoint holds, why it stopped, where it wrote, the
    phases it went through and the step `best.pt` holds (None without validation)."""

    step: int
    stopped: str  # a STOP_REASONS key (but "time_share")
    run_dir: Path
    phases: list[PhaseSummary] = field(default_factory=list)
    best_step: int | None = None


class Trainer:
    """Trains `family` on `data` (a tensor with examples along dim 0, or a tuple of such tensors
    drawn side by side) under `config`.

    Started under torchrun, each process trains on its shard of every epoch with gradients
    averaged over processes; `batch_size` is per process and only rank 0 writes files.
    """

    def __init__(
        self,
        family: GANFamily,
        data: torch.Tensor | tuple[torch.Tensor, ...],
        config: TrainConfig,
        validation: Validation | None = None,
        artifacts: dict[str, torch.Tensor] | None = None,
        say: Callable[[str], None] | None = None,
    ):
        """`validation` judges the EMA generator every `config.eval_every` steps; `artifacts` are
        saved in every checkpoint for the family's generation; `say` receives one-line news of the
        run (phase changes), printed above the progress bar by the caller."""
        for name in ("batch_size", "d_steps", "r1_interval", "log_every", "sample_every", "checkpoint_every"):
            if getattr(config, name) < 1:
                raise TrainingError(f"{name} must be at least 1, got {getattr(config, name)}")
        for name in ("pretrain_steps", "eval_every", "patience"):
            if getattr(config, name) < 0:
                raise TrainingError(f"{name} must not be negative")
        if config.eval_every and validation is None:
            raise TrainingError("eval_every is set but no validation was given")
        if config.fake_pool < 0:
            raise TrainingError("fake_pool must not be negative")
        if config.lr_decay_start is not None and not 0 <= config.lr_decay_start < 1:
            raise TrainingError(f"lr_decay_start is a share of the budget in [0, 1), not {config.lr_decay_start}")
        if config.lr_decay_start is not None and config.max_steps is None and config.max_minutes is None:
            raise TrainingError("learning rates that decay over the budget need a budget (max_steps or max_minutes)")
        if not config.adversarial and config.pretrain_steps == 0:
            raise TrainingError("a likelihood-only run needs pretraining steps")
        self.family = family
        self.data = data
        self.config = config
        self.validation = validation if config.eval_every else None
        self.artifacts = artifacts or {}
        self.say = say or (lambda message: None)
        self.run_dir = config.run_path
        self.world = detect_world()

    # ----------------------------------------------------------------- setup
    def fit(self) -> TrainResult:
        """Train until a stopping rule fires; see `TrainResult`.

        Raises NonFiniteLossError (leaving the last good checkpoint untouched), TrainingError for
        unusable settings, CheckpointError for an unreadable checkpoint on resume.
        """
        config = self.config
        self.device = resolve_device(config.device)
        if self.device.type == "cuda" and self.world.distributed:
            self.device = torch.device("cuda", self.world.local_rank)
            torch.cuda.set_device(self.device)
        created_group = init_process_group(self.world, self.device)
        try:
            self._setup()
            result = self._loop()
            if created_group:
                torch.distributed.barrier()  # rank 0 may still be writing the last checkpoint: leave together
            return result
        finally:
            if created_group:
                torch.distributed.destroy_process_group()

    def _setup(self) -> None:
        config, family, device = self.config, self.family, self.device
        configure_backend(device)
        seed_everything(config.seed)
        self.generator = prepare_module(family.build_generator(), device, family.channels_last)
        self.discriminator = prepare_module(family.build_discriminator(), device, family.channels_last)
        broadcast_parameters(self.generator, self.world)
        broadcast_parameters(self.discriminator, self.world)
        self.generator_ema = make_ema(self.generator)
        self.ema_settled_at: int | None = None  # the step whose EMA statistics are its own (see _settle_ema)
        # the schedule: when the adversarial phase began (None while pretraining) and how
        # validation has gone in the current phase
        self.adversarial_from: int | None = 0 if config.pretrain_steps == 0 else None
        self.best_score: float | None = None
        self.best_step: int | None = None
        self.checks_since_best = 0
        self.augment = None
        self.pool = FakePool(config.fake_pool) if config.fake_pool else None
        if config.augment_target is not None:
            self.augment = AdaptiveAugment(config.augment_target, config.augment_images_to_full)
        self.g_optimizer = self._generator_optimizer()
        self.d_optimizer = adam(self.discriminator.parameters(), config.d_lr, config.betas, device)
        self.loss = AdversarialLoss(
            config.loss, config.gp_weight, config.r1_gamma, config.label_smoothing, config.r1_interval, config.drift_weight
        )
        self.step = 0
        self.batches_drawn = 0
        self.checkpoint_file = ckpt.checkpoint_path(self.run_dir)
        self.best_file = ckpt.checkpoint_path(self.run_dir, ckpt.BEST)
        self.pretrain_best_file = ckpt.checkpoint_path(self.run_dir, ckpt.PRETRAIN_BEST)
        self.metrics_file = self.run_dir / "metrics.jsonl"
        if config.resume:
            self._restore()
        else:
            if self.checkpoint_file.exists():
                raise TrainingError(f"{self.run_dir} already holds a trained run; resume it or choose a new run folder")
            # replicas share the initial weights but draw different noise
            torch.manual_seed(config.seed + self.world.rank)
        if self.augment is not None:
            try:
                family.set_augment_probability(self.discriminator, self.augment.p)
            except NotImplementedError as error:
                raise TrainingError(f"adaptive augmentation is on, but {error}") from None
        self.batches = batch_stream(self.data, config.batch_size, config.seed, self.world, device)
        self.stage, self.progress = None, _SilentBar()
        self._follow_stage()  # a resumed run continues in its checkpoint's stage, optimizers as saved
        noise_rng = torch.Generator(device=device).manual_seed(config.seed)
        fixed_batch = self.batches.spread(config.n_samples)
        self.fixed_noise = family.generator_input(fixed_batch, config.n_samples, device, generator=noise_rng)
        if self.world.is_main:
            (self.run_dir / "samples").mkdir(parents=True, exist_ok=True)
            if not config.resume:  # metrics of an earlier attempt that never reached a checkpoint
                self.metrics_file.unlink(missing_ok=True)
            self._write_config()

    def _restore(self) -> None:
        state = ckpt.load_checkpoint(self.checkpoint_file)  # on CPU; load_state_dict copies onto the device
        stored = state["family"]
        if stored["name"] != self.family.name or _json_roundtrip(stored["config"]) != _json_roundtrip(self.family.config()):
            raise CheckpointError(
                f"cannot resume {self.checkpoint_file}: it holds a {stored['name']} model with other settings than this run's"
            )
        # settings added to TrainConfig after a checkpoint was written count as their defaults
        trained_with = {**_json_roundtrip(TrainConfig().to_dict()), **_json_roundtrip(state["train_config"])}
        asked = _json_roundtrip(self.config.to_dict())
        changed = [f"{name} {trained_with.get(name)} (not {asked[name]})" for name in RUN_DEFINING if trained_with.get(name) != asked[name]]
        if changed:
            # data order, noise and the optimizers' course depend on these: changing them is a new run
            raise TrainingError(f"cannot resume {self.run_dir} with other settings: it was trained with {', '.join(changed)}")
        self.generator.load_state_dict(state["generator"])
        self.discriminator.load_state_dict(state["discriminator"])
        self.generator_ema.load_state_dict(state["generator_ema"])
        self.g_optimizer.load_state_dict(state["g_optimizer"])
        self.d_optimizer.load_state_dict(state["d_optimizer"])
        self.step = state["step"]
        self.batches_drawn = state["batches_drawn"]
        schedule = state.get("schedule") or {}
        if "adversarial_from" in schedule:
            self.adversarial_from = schedule["adversarial_from"]
            self.best_score, self.best_step = schedule["best_score"], schedule["best_step"]
            self.checks_since_best = schedule["checks_since_best"]
            if self.augment is not None and schedule.get("augment"):
                self.augment.load_state_dict(schedule["augment"])
            if self.pool is not None and schedule.get("fake_pool"):
                self.pool.load_state_dict(schedule["fake_pool"], self.device)
        else:  # a checkpoint from before validation: the phase followed pretrain_steps alone
            self.adversarial_from = self.config.pretrain_steps if self.step >= self.config.pretrain_steps else None
        restore_rng_state(state["rng"])
        if self.world.distributed:
            # the checkpoint holds rank 0's generators only: give each replica its own noise again
            torch.manual_seed(self.config.seed + self.world.rank + 1_000_003 * self.step)
        if self.world.is_main:
            truncate_metrics(self.metrics_file, self.step)

    def _generator_optimizer(self) -> torch.optim.Optimizer:
        """Adam for the generator at the current phase's learning rate."""
        config = self.config
        lr = config.g_lr
        if self.adversarial_from is not None and config.adversarial_g_lr is not None:
            lr = config.adversarial_g_lr
        return adam(self.generator.parameters(), lr, config.betas, self.device, config.weight_decay)

    def _write_config(self) -> None:
        record = {
            "train": self.config.to_dict(),
            "family": {"name": self.family.name, "config": self.family.config()},
            "world_size": self.world.world_size,
            "device": str(self.device),
        }
        self.run_dir.mkdir(parents=True, exist_ok=True)
        (self.run_dir / "config.json").write_text(json.dumps(record, indent=2, default=list) + "\n", encoding="utf-8")

    # ------------------------------------------------------------------ loop
    def _loop(self) -> TrainResult:
        config = self.config
        means = RunningMeans()
        started = time.monotonic()
        interval_start, interval_steps = started, 0
        saved_step = self.step if config.resume else -1
        self.phases: list[PhaseSummary] = []
        self.phase_started = (self.step, started)
        progress = _progress_bar(config, self.step, enabled=config.progress and self.world.is_main)
        self.progress = progress
        with _interrupt_flag() as interrupted, progress:
            stopped = None
            while stopped is None:
                stopped = self._stop_reason(started, interrupted)
                if stopped is not None:
                    break
                if self.adversarial_from is None:
                    ended = self._pretraining_ended(started)
                    if ended is not None and not config.adversarial:
                        stopped = "max_minutes" if ended == "time_share" else ended
                        break
                    if ended is not None:
                        self._begin_adversarial(ended)
                if config.lr_decay_start is not None:
                    self._decay_learning_rates(time.monotonic() - started)
                try:
                    phase, stats = self._train_step()
                except KeyboardInterrupt:
                    # a second Ctrl-C (or one the flag could not catch, off the main thread) broke off a
                    # step halfway: its state is torn, so the last checkpoint stays as it is
                    return TrainResult(step=max(saved_step, 0), stopped="interrupted", run_dir=self.run_dir)
                self._check_finite(stats)
                means.add(stats)
                interval_steps += 1
                progress.update(1)
                if self.step % config.log_every == 0:
                    now = time.monotonic()
                    self._log(phase, means.pop(), interval_steps / max(now - interval_start, 1e-9), now - started, progress)
                    interval_start, interval_steps = now, 0
                if self.validation is not None and self.step % config.eval_every == 0:
                    self._validate(phase)
                if self.world.is_main and self.step % config.sample_every == 0:
                    self._write_samples()
                if self.step % config.checkpoint_every == 0:
                    self._save()
                    saved_step = self.step
            if interval_steps:
                now = time.monotonic()
                self._log(phase, means.pop(), interval_steps / max(now - interval_start, 1e-9), now - started, progress)
            if self.world.is_main and (self.step % config.sample_every or self.step == 0):
                self._write_samples()
            if saved_step != self.step:
                self._save()
        self._end_phase(stopped)
        return TrainResult(self.step, stopped, self.run_dir, self.phases, self.best_step)

    def _stop_reason(self, started: float, interrupted: threading.Event) -> str | None:
        config = self.config
        if config.max_steps is not None and self.step >= config.max_steps:
            return "max_steps"
        if self.adversarial_from is not None and self._patience_used():
            return "no_improvement"
        if any_replica(interrupted.is_set(), self.world, self.device):
            return "interrupted"
        out_of_time = config.max_minutes is not None and time.monotonic() - started >= 60 * config.max_minutes
        if any_replica(out_of_time, self.world, self.device):
            return "max_minutes"
        return None

    # ------------------------------------------------------------- the schedule
    def _patience_used(self) -> bool:
        return bool(self.config.patience) and self.checks_since_best >= self.config.patience

    def _pretraining_ended(self, started: float) -> str | None:
        """Why pretraining is over now, None while it goes on."""
        config = self.config
        if self.step >= config.pretrain_steps:
            return "max_steps"
        if self._patience_used():
            return "no_improvement"
        if config.max_minutes is not None and config.pretrain_time_share is not None:
            out_of_time = time.monotonic() - started >= 60 * config.max_minutes * config.pretrain_time_share
            if any_replica(out_of_time, self.world, self.device):
                return "time_share"
        return None

    def _begin_adversarial(self, reason: str) -> None:
        """Start the adversarial phase from the best validated pretraining weights (the last ones
        without validation), with a fresh generator optimizer and EMA warm-up."""
        self._end_phase(reason)
        restored = ""
        if self.best_step is not None:
            if self.world.is_main:  # the file is rank 0's; the others receive its weights
                best = ckpt.load_checkpoint(self.pretrain_best_file)
                if best["step"] != self.best_step:
                    raise CheckpointError(f"{self.pretrain_best_file} holds step {best['step']}, not the best step {self.best_step}")
                self.generator.load_state_dict(best["generator"])
                self.generator_ema.load_state_dict(best["generator_ema"])
            broadcast_parameters(self.generator, self.world)
            broadcast_parameters(self.generator_ema, self.world)
            restored = f" from the best pretraining weights (step {self.best_step})"
        self.adversarial_from = self.step
        self.g_optimizer = self._generator_optimizer()
        self.best_score, self.checks_since_best = None, 0
        self.shown = {}  # the pretraining loss no longer applies
        self.say(f"pretraining ended at step {self.step} ({STOP_REASONS[reason]}); adversarial training starts{restored}")
        if self.validation is not None:  # the restored weights are the score to beat
            self._validate("adversarial")

    def _end_phase(self, reason: str) -> None:
        step, since = self.phase_started
        name = "pretrain" if self.adversarial_from is None else "adversarial"
        if self.step > step or not self.phases:
            self.phases.append(PhaseSummary(name, self.step - step, time.monotonic() - since, reason))
        self.phase_started = (self.step, time.monotonic())

    def _schedule(self) -> dict:
        return {"adversarial_from": self.adversarial_from, "best_score": self.best_score, "best_step": self.best_step,
                "checks_since_best": self.checks_since_best, "augment": self.augment.state_dict() if self.augment else None,
                "fake_pool": self.pool.state_dict() if self.pool else None}

    def _decay_learning_rates(self, elapsed: float) -> None:
        """Both learning rates at (1 - progress past `lr_decay_start`) of their value, reaching 0 at
        the end of the budget; progress is the larger of the steps' and the minutes' shares."""
        config = self.config
        progress = 0.0
        if config.max_steps is not None:
            progress = self.step / config.max_steps
        if config.max_minutes is not None:
            progress = max(progress, elapsed / (60 * config.max_minutes))
        factor = min(1.0, max(0.0, (1.0 - progress) / (1.0 - config.lr_decay_start)))
        for optimizer in (self.g_optimizer, self.d_optimizer):
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
                group["lr"] = group["initial_lr"] * factor

    # ------------------------------------------------------------------ steps
    def _follow_stage(self) -> None:
        """Put the networks in the family's stage for the examples shown so far; a new stage
        (e.g. a resolution) gets fresh optimizers, as ProGAN restarts Adam at each resolution."""
        stage = self.family.stage_at(self.batches_drawn * self.config.batch_size * self.world.world_size)
        if stage is None:
            return
        if self.stage is not None and stage.index != self.stage.index:
            self.g_optimizer = self._generator_optimizer()
            self.d_optimizer = adam(self.discriminator.parameters(), self.config.d_lr, self.config.betas, self.device)
            self.say(f"after step {self.step}: the networks grow to {stage.name}; optimizers restarted")
        self.family.enter_stage(stage, self.generator, self.discriminator, self.generator_ema)
        if self.stage is None or stage.name != self.stage.name:
            self._show(self.progress, {"stage": stage.name})
        self.stage = stage

    def _train_step(self) -> tuple[str, dict[str, torch.Tensor]]:
        self._follow_stage()
        self.generator.train()
        self.discriminator.train()
        if self.adversarial_from is None:
            phase, stats, phase_step = "pretrain", self._pretrain_step(), self.step + 1
        else:
            phase, stats, phase_step = "adversarial", self._adversarial_step(), self.step + 1 - self.adversarial_from
        self.step += 1
        update_ema(self.generator_ema, self.generator, ema_decay_at(phase_step, self.config.ema_decay))
        return phase, stats

    def _next_batch(self) -> torch.Tensor:
        batch = self.batches.batch(self.batches_drawn)
        self.batches_drawn += 1
        return batch

    def _pretrain_step(self) -> dict[str, torch.Tensor]:
        batch = self._next_batch()
        self.g_optimizer.zero_grad(set_to_none=True)
        with autocast(self.device, self.config.amp):
            loss = self.family.pretrain_loss(self.generator, batch).float()
        loss.backward()
        average_gradients(self.generator, self.world)
        self.g_optimizer.step()
        return {"pretrain": loss.detach()}

    def _adversarial_step(self) -> dict[str, torch.Tensor]:
        family, device, amp, n, d_steps = self.family, self.device, self.config.amp, self.config.batch_size, self.config.d_steps
        d_stats: dict[str, torch.Tensor] = {}  # the latest value of each D statistic (lazy R1 shows on some updates only)
        for d_step in range(d_steps):
            batch = self._next_batch()
            real = family.real_input(batch)
            # The last D update's fakes also serve the G update (as in the DCGAN example): one
            # generator forward per step instead of two, so its graph is kept for that one.
            keep_graph = d_step == d_steps - 1
            with torch.set_grad_enabled(keep_graph), autocast(device, amp):
                fake_input = family.fake_input(self.generator(family.generator_input(batch, n, device)))
            judged = self.pool.exchange(fake_input) if self.pool is not None else fake_input.detach()
            self.d_optimizer.zero_grad(set_to_none=True)
            with autocast(device, amp):
                d_update = (self.step - self.adversarial_from) * d_steps + d_step
                d_loss, stats = self.loss.discriminator_loss(self.discriminator, real, judged, d_update)
            real_sign = stats.pop("real_sign")
            d_stats.update(stats)
            d_loss.backward()
            average_gradients(self.discriminator, self.world)
            self.d_optimizer.step()
            if self.augment is not None:
                d_stats.update(self._adapt_augmentation(real_sign, n))

        self.discriminator.requires_grad_(False)  # G learns through D without touching D's gradients
        try:
            self.g_optimizer.zero_grad(set_to_none=True)
            with autocast(device, amp):
                g_loss = self.loss.generator_loss(self.discriminator(fake_input))
                aux = family.generator_aux_loss(self.generator, self.discriminator, fake_input, batch)
                if aux is not None:
                    g_loss = g_loss + aux.float()
            g_loss.backward()
            average_gradients(self.generator, self.world)
            self.g_optimizer.step()
        finally:
            self.discriminator.requires_grad_(True)
        return {"d": d_loss.detach(), "g": g_loss.detach(), **d_stats}

    def _adapt_augmentation(self, real_sign: torch.Tensor, n: int) -> dict[str, torch.Tensor]:
        """Move the augmentation probability by D's overfitting on real data (replicas agree on it)."""
        real_sign = average_values(real_sign.reshape(1), self.world)[0]
        if self.augment.observe(real_sign, n * self.world.world_size):
            self.family.set_augment_probability(self.discriminator, self.augment.p)
        return {"augment_p": torch.tensor(self.augment.p, device=self.device),
                "augment_r_t": torch.tensor(self.augment.r_t, device=self.device)}

    # ------------------------------------------------------------- guards & output
    def _check_finite(self, stats: dict[str, torch.Tensor]) -> None:
        """Stop on a NaN/inf loss before anything of this step is written."""
        names = list(stats)
        values = average_values(torch.stack([stats[name].float() for name in names]), self.world)
        finite = torch.isfinite(values)
        if not bool(finite.all()):
            name = names[int((~finite).nonzero()[0])]
            raise NonFiniteLossError(
                f"loss {name!r} became {values[names.index(name)].item()} at step {self.step}; "
                f"stopped, last good checkpoint kept at {self.checkpoint_file}"
            )

    def _log(self, phase: str, means: dict[str, float], steps_per_s: float, elapsed: float, progress) -> None:
        if not self.world.is_main:
            return
        augment = {name.removeprefix("augment_"): means.pop(name) for name in ("augment_p", "augment_r_t") if name in means}
        record = {
            "step": self.step,
            "phase": phase,
            "losses": {name: value for name, value in means.items() if name not in ("d_real", "d_fake")},
            **{name: means[name] for name in ("d_real", "d_fake") if name in means},
            **({"augment": augment} if augment else {}),
            **({"stage": {"name": self.stage.name, "blend": round(self.stage.blend, 4)}} if self.stage else {}),
            **({"lr": self.g_optimizer.param_groups[0]["lr"]} if self.config.lr_decay_start is not None else {}),
            "steps_per_s": round(steps_per_s, 3),
            "elapsed_s": round(elapsed, 3),
        }
        append_metrics(self.metrics_file, record)
        shown = {name: f"{value:.3f}" for name, value in record["losses"].items()}
        if augment:
            shown["p"] = f"{augment['p']:.2f}"
        self._show(progress, shown)

    def _show(self, progress, values: dict[str, str]) -> None:
        """Losses and the latest validation figures side by side after the progress bar."""
        self.shown = {**getattr(self, "shown", {}), **values}
        progress.set_postfix(self.shown, refresh=False)

    @torch.no_grad()
    def _validate(self, phase: str) -> None:
        """Judge the EMA generator; a better score than the phase's best so far writes best.pt.
        Validation draws from RNGs of its own, so training continues as if it had not run."""
        self._settle_ema()
        with _rng_untouched(self.device):
            metrics = dict(self.validation(self.generator_ema, phase))
        # replicas agree on one score (their generators are equal, their arithmetic may not be)
        score = float(average_values(torch.tensor([float(metrics[SCORE])], device=self.device), self.world)[0])
        improved = self.best_score is None or score < self.best_score
        if improved:
            self.best_score, self.best_step, self.checks_since_best = score, self.step, 0
        else:
            self.checks_since_best += 1
        if not self.world.is_main:
            return
        if improved:
            state = self._checkpoint()
            ckpt.save_checkpoint(state, self.best_file)
            if phase == "pretrain":  # what the adversarial phase starts from, even once best.pt moves on
                ckpt.save_checkpoint(state, self.pretrain_best_file)
        append_metrics(self.metrics_file, {"step": self.step, "phase": phase, "validation": metrics, "best": improved})
        self._show(self.progress, {name: f"{value:.3g}" for name, value in metrics.items() if name != SCORE})

    def _settle_ema(self) -> None:
        """Give the EMA generator normalisation statistics of its own before it is used or saved
        (once per step: every training step copies the trained generator's again)."""
        if self.ema_settled_at != self.step:
            draw = partial(self.family.sample_noise, self.config.batch_size, self.device)
            recompute_norm_statistics(self.generator_ema, draw, self.device)
            self.ema_settled_at = self.step

    @torch.no_grad()
    def _write_samples(self) -> None:
        self._settle_ema()
        with autocast(self.device, self.config.amp):
            fake = self.family.samples(self.generator_ema, self.fixed_noise)
        self.family.write_samples(fake.float(), self.run_dir / "samples" / f"step-{self.step:06d}")

    def _checkpoint(self) -> dict:
        self._settle_ema()
        return ckpt.make_checkpoint(
            self.family,
            self.generator,
            self.discriminator,
            self.generator_ema,
            self.g_optimizer,
            self.d_optimizer,
            self.step,
            self.batches_drawn,
            self.config.to_dict(),
            capture_rng_state(),
            self._schedule(),
            self.artifacts,
        )

    def _save(self) -> None:
        if not self.world.is_main:
            return
        ckpt.save_checkpoint(self._checkpoint(), self.checkpoint_file)
        write_loss_plot(read_metrics(self.metrics_file), self.run_dir / "loss.png")


def print_news(message: str) -> None:
    """Print one line above a running progress bar instead of through it (a `say` for `Trainer`)."""
    from tqdm.auto import tqdm

    tqdm.write(message)


def _json_roundtrip(value):
    return json.loads(json.dumps(value))


@contextlib.contextmanager
def _rng_untouched(device: torch.device) -> Iterator[None]:
    """Run a block without moving Python's, NumPy's or torch's global random streams."""
    python_state, numpy_state = random.getstate(), np.random.get_state()
    accelerator = device.type in ("cuda", "mps")
    with torch.random.fork_rng(devices=[device] if accelerator else [], device_type=device.type if accelerator else "cuda"):
        yield
    random.setstate(python_state)
    np.random.set_state(numpy_state)


def _progress_bar(config: TrainConfig, start: int, enabled: bool):
    """tqdm bar with steps, rate and ETA (when max_steps is set); a silent stand-in when disabled."""
    if not enabled:
        return _SilentBar()
    from tqdm.auto import tqdm

    return tqdm(total=config.max_steps, initial=start, unit="step", dynamic_ncols=True)


class _SilentBar(contextlib.nullcontext):
    def update(self, n: int = 1) -> None:
        pass

    def set_postfix(self, *args, **kwargs) -> None:
        pass


@contextlib.contextmanager
def _interrupt_flag() -> Iterator[threading.Event]:
    """First Ctrl-C sets the flag (the loop saves and returns after the current step); a second
    one interrupts at once. Outside the main thread signals cannot be caught: the flag stays unset
    and a KeyboardInterrupt is handled by the loop instead."""
    flag = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def on_sigint(signum, frame):
        if flag.is_set():
            raise KeyboardInterrupt
        flag.set()

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)

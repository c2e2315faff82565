"""The training loop: one obvious path from data tensor to run folder.

Each step is one generator update: during the first `pretrain_steps` steps a supervised update
with the family's `pretrain_loss` (phase "pretrain"), afterwards `d_steps` discriminator updates
followed by one generator update on the last of them's fakes (phase "adversarial"). The EMA generator follows every
generator update and makes the samples. Everything the run needs to continue exactly is in
`checkpoints/last.pt`.
"""

from __future__ import annotations

import contextlib
import json
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import torch

from midigan.core import checkpoint as ckpt
from midigan.core.batches import BatchStream
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
from midigan.core.ema import ema_decay_at, make_ema, update_ema
from midigan.core.errors import CheckpointError, NonFiniteLossError, TrainingError
from midigan.core.family import GANFamily
from midigan.core.losses import AdversarialLoss
from midigan.core.metrics import RunningMeans, append_metrics, read_metrics, truncate_metrics
from midigan.core.plot import write_loss_plot
from midigan.core.rng import capture_rng_state, restore_rng_state, seed_everything


#: Settings a resumed run must share with the run it continues (stopping rules, logging and device may change).
RUN_DEFINING = ("batch_size", "loss", "gp_weight", "r1_gamma", "r1_interval", "label_smoothing", "d_steps", "g_lr", "d_lr",
                "betas", "pretrain_steps", "ema_decay", "seed")


@dataclass
class TrainResult:
    """How a `fit()` ended: the step its last checkpoint holds, why it stopped, and where it wrote."""

    step: int
    stopped: str  # "max_steps" | "max_minutes" | "interrupted"
    run_dir: Path


class Trainer:
    """Trains `family` on `data` (a tensor with examples along dim 0) under `config`.

    Started under torchrun, each process trains on its shard of every epoch with gradients
    averaged over processes; `batch_size` is per process and only rank 0 writes files.
    """

    def __init__(self, family: GANFamily, data: torch.Tensor, config: TrainConfig):
        for name in ("batch_size", "d_steps", "r1_interval", "log_every", "sample_every", "checkpoint_every"):
            if getattr(config, name) < 1:
                raise TrainingError(f"{name} must be at least 1, got {getattr(config, name)}")
        if config.pretrain_steps < 0:
            raise TrainingError("pretrain_steps must not be negative")
        self.family = family
        self.data = data
        self.config = config
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
        self.g_optimizer = adam(self.generator.parameters(), config.g_lr, config.betas, device)
        self.d_optimizer = adam(self.discriminator.parameters(), config.d_lr, config.betas, device)
        self.loss = AdversarialLoss(
            config.loss, config.gp_weight, config.r1_gamma, config.label_smoothing, config.r1_interval
        )
        self.step = 0
        self.batches_drawn = 0
        self.checkpoint_file = ckpt.checkpoint_path(self.run_dir)
        self.metrics_file = self.run_dir / "metrics.jsonl"
        if config.resume:
            self._restore()
        else:
            if self.checkpoint_file.exists():
                raise TrainingError(f"{self.run_dir} already holds a trained run; resume it or choose a new run folder")
            # replicas share the initial weights but draw different noise
            torch.manual_seed(config.seed + self.world.rank)
        self.batches = BatchStream(self.data, config.batch_size, config.seed, self.world, device)
        noise_rng = torch.Generator(device=device).manual_seed(config.seed)
        self.fixed_noise = family.sample_noise(config.n_samples, device, generator=noise_rng)
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
        trained_with, asked = _json_roundtrip(state["train_config"]), _json_roundtrip(self.config.to_dict())
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
        restore_rng_state(state["rng"])
        if self.world.distributed:
            # the checkpoint holds rank 0's generators only: give each replica its own noise again
            torch.manual_seed(self.config.seed + self.world.rank + 1_000_003 * self.step)
        if self.world.is_main:
            truncate_metrics(self.metrics_file, self.step)

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
        progress = _progress_bar(config, self.step, enabled=config.progress and self.world.is_main)
        with _interrupt_flag() as interrupted, progress:
            stopped = None
            while stopped is None:
                stopped = self._stop_reason(started, interrupted)
                if stopped is not None:
                    break
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
        return TrainResult(step=self.step, stopped=stopped, run_dir=self.run_dir)

    def _stop_reason(self, started: float, interrupted: threading.Event) -> str | None:
        config = self.config
        if config.max_steps is not None and self.step >= config.max_steps:
            return "max_steps"
        if any_replica(interrupted.is_set(), self.world, self.device):
            return "interrupted"
        out_of_time = config.max_minutes is not None and time.monotonic() - started >= 60 * config.max_minutes
        if any_replica(out_of_time, self.world, self.device):
            return "max_minutes"
        return None

    def _train_step(self) -> tuple[str, dict[str, torch.Tensor]]:
        self.generator.train()
        self.discriminator.train()
        if self.step < self.config.pretrain_steps:
            phase, stats = "pretrain", self._pretrain_step()
        else:
            phase, stats = "adversarial", self._adversarial_step()
        self.step += 1
        update_ema(self.generator_ema, self.generator, ema_decay_at(self.step, self.config.ema_decay))
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
                fake_input = family.fake_input(self.generator(family.sample_noise(n, device)))
            self.d_optimizer.zero_grad(set_to_none=True)
            with autocast(device, amp):
                d_update = (self.step - self.config.pretrain_steps) * d_steps + d_step
                d_loss, stats = self.loss.discriminator_loss(self.discriminator, real, fake_input.detach(), d_update)
            d_stats.update(stats)
            d_loss.backward()
            average_gradients(self.discriminator, self.world)
            self.d_optimizer.step()

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
        record = {
            "step": self.step,
            "phase": phase,
            "losses": {name: value for name, value in means.items() if name not in ("d_real", "d_fake")},
            **{name: means[name] for name in ("d_real", "d_fake") if name in means},
            "steps_per_s": round(steps_per_s, 3),
            "elapsed_s": round(elapsed, 3),
        }
        append_metrics(self.metrics_file, record)
        progress.set_postfix({name: f"{value:.3f}" for name, value in record["losses"].items()}, refresh=False)

    @torch.no_grad()
    def _write_samples(self) -> None:
        with autocast(self.device, self.config.amp):
            fake = self.generator_ema(self.fixed_noise)
        self.family.write_samples(fake.float(), self.run_dir / "samples" / f"step-{self.step:06d}")

    def _save(self) -> None:
        if not self.world.is_main:
            return
        state = ckpt.make_checkpoint(
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
        )
        ckpt.save_checkpoint(state, self.checkpoint_file)
        write_loss_plot(read_metrics(self.metrics_file), self.run_dir / "loss.png")


def _json_roundtrip(value):
    return json.loads(json.dumps(value))


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

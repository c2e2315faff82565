"""The training loop: one obvious path from data tensor to run folder.

Each step is one generator update: supervised with the family's `pretrain_loss` while the
`PhaseSchedule` says pretraining, else `d_steps` discriminator updates and one generator update on
the last of them's fakes. Pretraining ends at `pretrain_steps`, at `pretrain_time_share` of a time
budget or when validation stops improving; the adversarial phase starts from the best validated
weights. The EMA generator makes the samples and is what validation judges (`best.pt`). Adaptive
augmentation, learning-rate decay, growing networks and a pool of past fakes are hooks
(`midigan.core.hooks`). `checkpoints/last.pt` holds all a run needs to continue exactly.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import partial

import torch

from midigan.core import checkpoint as ckpt
from midigan.core import distributed as dist
from midigan.core.batches import batch_stream
from midigan.core.config import TrainConfig, json_form
from midigan.core.device import adam, autocast, configure_backend, prepare_module, resolve_device
from midigan.core.ema import ema_decay_at, make_ema, recompute_norm_statistics, update_ema
from midigan.core.errors import CheckpointError, TrainingError
from midigan.core.family import GANFamily
from midigan.core.hooks import hook_states, hooks_for, restore_hooks
from midigan.core.interrupt import interrupt_flag
from midigan.core.losses import AdversarialLoss, check_finite
from midigan.core.plot import write_loss_plot
from midigan.core.progress import progress_display
from midigan.core.rng import capture_rng_state, restore_rng_state, rng_untouched, seed_everything
from midigan.core.rundir import write_run_config
from midigan.core.runlog import RunLog, RunningMeans, read_metrics
from midigan.core.runstate import RunState
from midigan.core.schedule import STOP_REASONS, PhaseClock, PhaseSchedule, PhaseSummary, TrainResult
from midigan.core.validation import SCORE, Validation

__all__ = ["PhaseSummary", "TrainResult", "Trainer"]  # the results are defined with the schedule


class Trainer:
    """Trains `family` on `data` (a tensor with examples along dim 0, or a tuple of such tensors
    drawn side by side) under `config`. `validation` judges the EMA generator every
    `config.eval_every` steps; `artifacts` travel in every checkpoint for the family's generation;
    `say` receives one-line news (phase changes). Under torchrun each process trains on its shard
    with gradients averaged; `batch_size` is per process and only rank 0 writes files."""

    def __init__(self, family: GANFamily, data: torch.Tensor | tuple[torch.Tensor, ...], config: TrainConfig,
                 validation: Validation | None = None, artifacts: dict[str, torch.Tensor] | None = None,
                 say: Callable[[str], None] | None = None):
        if config.eval_every and validation is None:
            raise TrainingError("eval_every is set but no validation was given")
        self.family, self.data, self.config = family, data, config
        self.validation = validation if config.eval_every else None
        self.artifacts = artifacts or {}
        self.say = say or (lambda message: None)
        self.run_dir = config.run_path
        self.world = dist.detect_world()
        self.hooks = hooks_for(config)
        self.log = RunLog(self.run_dir / "metrics.jsonl", self.world.is_main, self.say, watch=(config.loss, config.d_won_steps))

    def fit(self) -> TrainResult:
        """Train until a stopping rule fires. Raises NonFiniteLossError (the last good checkpoint
        kept), TrainingError for unusable settings, CheckpointError for an unreadable checkpoint."""
        self.device = dist.replica_device(resolve_device(self.config.device), self.world)
        if self.device.type == "cuda" and self.world.distributed:
            torch.cuda.set_device(self.device)
        created_group = dist.init_process_group(self.world, self.device)
        try:
            self._setup()
            result = self._loop()
            if created_group:
                torch.distributed.barrier()  # rank 0 may still be writing the last checkpoint: leave together
            return result
        finally:
            if created_group:
                torch.distributed.destroy_process_group()

    # ----------------------------------------------------------------- setup
    def _setup(self) -> None:
        config, family, device = self.config, self.family, self.device
        configure_backend(device)
        seed_everything(config.seed)
        generator = prepare_module(family.build_generator(), device, family.channels_last)
        discriminator = prepare_module(family.build_discriminator(), device, family.channels_last)
        dist.broadcast_parameters(generator, self.world)
        dist.broadcast_parameters(discriminator, self.world)
        schedule = PhaseSchedule.starting(config.pretrain_steps)
        self.state = RunState(generator, discriminator, make_ema(generator), self._generator_optimizer(generator, schedule),
                              adam(discriminator.parameters(), config.d_lr, config.betas, device), schedule)
        self.ema_settled_at: int | None = None  # the step whose EMA statistics are its own (see _settle_ema)
        self.loss = AdversarialLoss(config.loss, config.gp_weight, config.r1_gamma, config.label_smoothing, config.r1_interval,
                                    config.drift_weight)
        if config.resume:
            self._restore()
        elif ckpt.checkpoint_path(self.run_dir).exists():
            raise TrainingError(f"{self.run_dir} already holds a trained run; resume it or choose a new run folder")
        else:
            torch.manual_seed(config.seed + self.world.rank)  # replicas share the initial weights but draw different noise
        self.batches = batch_stream(self.data, config.batch_size, config.seed, self.world, device)
        for hook in self.hooks:
            hook.start(self)
        noise_rng = torch.Generator(device=device).manual_seed(config.seed)
        fixed_batch = self.batches.spread(config.n_samples)
        self.fixed_noise = family.generator_input(fixed_batch, config.n_samples, device, generator=noise_rng)
        if self.world.is_main:
            (self.run_dir / "samples").mkdir(parents=True, exist_ok=True)
            if not config.resume:  # metrics of an earlier attempt that never reached a checkpoint
                self.log.path.unlink(missing_ok=True)
            write_run_config(self.run_dir, self.config.to_dict(), self.family, self.world.world_size, self.device)

    def _restore(self) -> None:
        checkpoint = ckpt.load_checkpoint(ckpt.checkpoint_path(self.run_dir))  # on CPU; load_state_dict copies to the device
        stored, family = checkpoint["family"], self.family  # read by from_config: it knows what older runs' missing keys meant
        if stored["name"] != family.name or json_form(type(family).from_config(stored["config"]).config()) != json_form(family.config()):
            raise CheckpointError(f"cannot resume {ckpt.checkpoint_path(self.run_dir)}: it holds a {stored['name']} model with "
                                  "other settings than this run's")
        changed = self.config.changes_from(checkpoint["train_config"])
        if changed:  # data order, noise and the optimizers' course depend on these: changing them is a new run
            raise TrainingError(f"cannot resume {self.run_dir} with other settings: it was trained with {', '.join(changed)}")
        self.state.restore(checkpoint)
        restore_hooks(self.hooks, checkpoint["hooks"], self.device)
        restore_rng_state(checkpoint["rng"])
        if self.world.distributed:  # the checkpoint holds rank 0's generators only: give each replica its own noise again
            torch.manual_seed(self.config.seed + self.world.rank + 1_000_003 * self.state.step)
        if self.world.is_main:
            self.log.truncate(self.state.step)

    def _generator_optimizer(self, generator: torch.nn.Module, schedule: PhaseSchedule) -> torch.optim.Optimizer:
        """Adam for the generator at its phase's learning rate."""
        config = self.config
        lr = config.g_lr if schedule.pretraining or config.adversarial_g_lr is None else config.adversarial_g_lr
        return adam(generator.parameters(), lr, config.betas, self.device, config.weight_decay)

    def restart_optimizers(self) -> None:
        """Fresh Adam states for both networks (a stage of growing networks begins)."""
        self.state.g_optimizer = self._generator_optimizer(self.state.generator, self.state.schedule)
        self.state.d_optimizer = adam(self.state.discriminator.parameters(), self.config.d_lr, self.config.betas, self.device)

    # ------------------------------------------------------------------ loop
    def _loop(self) -> TrainResult:
        config, state = self.config, self.state
        means, started = RunningMeans(), time.monotonic()
        saved_step = state.step if config.resume else -1
        self.clock = PhaseClock(state.step)
        progress = progress_display(config.max_steps, state.step, enabled=config.progress and self.world.is_main)
        self.log.progress = progress
        with interrupt_flag() as interrupted, progress:
            while (stopped := self._stop_reason(started, interrupted)) is None:
                if state.schedule.pretraining and (ended := self._pretraining_ended(started)) is not None:
                    if not config.adversarial:
                        stopped = "max_minutes" if ended == "time_share" else ended
                        break
                    self._begin_adversarial(ended)
                for hook in self.hooks:
                    hook.before_step(self, time.monotonic() - started)
                try:
                    stats = self._train_step()
                except KeyboardInterrupt:
                    # a second Ctrl-C (or one the flag could not catch, off the main thread) broke off a
                    # step halfway: its state is torn, so the last checkpoint stays as it is
                    return TrainResult(step=max(saved_step, 0), stopped="interrupted", run_dir=self.run_dir)
                check_finite(stats, self.world, state.step, ckpt.checkpoint_path(self.run_dir))
                means.add(stats)
                progress.update(1)
                if state.step % config.log_every == 0:
                    self._log_training(means, started)
                if self.validation is not None and state.step % config.eval_every == 0:
                    self._validate()
                if self.world.is_main and state.step % config.sample_every == 0:
                    self._write_samples()
                if state.step % config.checkpoint_every == 0:
                    self._save()
                    saved_step = state.step
            if means.steps:
                self._log_training(means, started)
            if self.world.is_main and (state.step % config.sample_every or state.step == 0):
                self._write_samples()
            if saved_step != state.step:
                self._save()
        self.clock.end(state.schedule.phase, state.step, stopped)
        return TrainResult(state.step, stopped, self.run_dir, self.clock.phases, state.schedule.best_step)

    def _stop_reason(self, started: float, interrupted: threading.Event) -> str | None:
        config, schedule = self.config, self.state.schedule
        if config.max_steps is not None and self.state.step >= config.max_steps:
            return "max_steps"
        if not schedule.pretraining and schedule.patience_used(config.patience):
            return "no_improvement"
        if dist.any_replica(interrupted.is_set(), self.world, self.device):
            return "interrupted"
        return "max_minutes" if self._out_of_time(started) else None

    def _pretraining_ended(self, started: float) -> str | None:
        config = self.config
        return self.state.schedule.pretraining_ended(self.state.step, config.pretrain_steps, config.patience,
                                                     lambda: self._out_of_time(started, config.pretrain_time_share))

    def _out_of_time(self, started: float, share: float | None = 1.0) -> bool:
        """Has this invocation used `share` of its time budget (on any replica)?"""
        limit = None if self.config.max_minutes is None or share is None else 60 * self.config.max_minutes * share
        return dist.any_replica(limit is not None and time.monotonic() - started >= limit, self.world, self.device)

    def _begin_adversarial(self, reason: str) -> None:
        """Start the adversarial phase from the best validated pretraining weights (the last ones
        without validation), with a fresh generator optimizer and EMA warm-up."""
        state, restored = self.state, ""
        self.clock.end(state.schedule.phase, state.step, reason)
        best_step = state.schedule.best_step
        if best_step is not None:
            if self.world.is_main:  # the file is rank 0's; the others receive its weights
                best_file = ckpt.checkpoint_path(self.run_dir, ckpt.PRETRAIN_BEST)
                best = ckpt.load_checkpoint(best_file)
                if best["step"] != best_step:
                    raise CheckpointError(f"{best_file} holds step {best['step']}, not the best step {best_step}")
                state.take_generators(best)
            dist.broadcast_parameters(state.generator, self.world)
            dist.broadcast_parameters(state.generator_ema, self.world)
            restored = f" from the best pretraining weights (step {best_step})"
        state.schedule.begin_adversarial(state.step)
        state.g_optimizer = self._generator_optimizer(state.generator, state.schedule)
        self.log.forget_shown()  # the pretraining loss no longer applies
        self.say(f"pretraining ended at step {state.step} ({STOP_REASONS[reason]}); adversarial training starts{restored}")
        if self.validation is not None:  # the restored weights are the score to beat
            self._validate()

    # ------------------------------------------------------------------ steps
    def _train_step(self) -> dict[str, torch.Tensor]:
        state = self.state
        state.generator.train()
        state.discriminator.train()
        stats = self._pretrain_step() if state.schedule.pretraining else self._adversarial_step()
        state.step += 1
        update_ema(state.generator_ema, state.generator,
                   ema_decay_at(state.schedule.steps_into_phase(state.step), self.config.ema_decay))
        return stats

    def _next_batch(self) -> torch.Tensor:
        batch = self.batches.batch(self.state.batches_drawn)
        self.state.batches_drawn += 1
        return batch

    def _pretrain_step(self) -> dict[str, torch.Tensor]:
        state, batch = self.state, self._next_batch()
        state.g_optimizer.zero_grad(set_to_none=True)
        with autocast(self.device, self.config.amp):
            loss = self.family.pretrain_loss(state.generator, batch).float()
        loss.backward()
        dist.average_gradients(state.generator, self.world)
        state.g_optimizer.step()
        return {"pretrain": loss.detach()}

    def _adversarial_step(self) -> dict[str, torch.Tensor]:
        family, state, device, amp = self.family, self.state, self.device, self.config.amp
        n, d_steps = self.config.batch_size, self.config.d_steps
        d_stats: dict[str, torch.Tensor] = {}  # the latest value of each D statistic (lazy R1 shows on some updates only)
        for d_step in range(d_steps):
            batch = self._next_batch()
            real = family.real_input(batch)
            # The last D update's fakes also serve the G update (as in the DCGAN example): one
            # generator forward per step instead of two, so its graph is kept for that one.
            with torch.set_grad_enabled(d_step == d_steps - 1), autocast(device, amp):
                fake_input = family.fake_input(state.generator(family.generator_input(batch, n, device)))
            judged = fake_input.detach()
            for hook in self.hooks:
                judged = hook.judged_fakes(judged)
            state.d_optimizer.zero_grad(set_to_none=True)
            with autocast(device, amp):
                d_update = state.schedule.steps_into_phase(state.step) * d_steps + d_step
                d_loss, stats = self.loss.discriminator_loss(state.discriminator, real, judged, d_update)
            real_sign = stats.pop("real_sign")
            d_stats.update(stats)
            d_loss.backward()
            dist.average_gradients(state.discriminator, self.world)
            state.d_optimizer.step()
            for hook in self.hooks:
                d_stats.update(hook.after_discriminator_update(self, real_sign))
        state.discriminator.requires_grad_(False)  # G learns through D without touching D's gradients
        try:
            state.g_optimizer.zero_grad(set_to_none=True)
            with autocast(device, amp):
                g_loss = self.loss.generator_loss(state.discriminator(fake_input))
                aux = family.generator_aux_loss(state.generator, state.discriminator, fake_input, batch)
                if aux is not None:
                    g_loss = g_loss + aux.float()
            g_loss.backward()
            dist.average_gradients(state.generator, self.world)
            state.g_optimizer.step()
        finally:
            state.discriminator.requires_grad_(True)
        return {"d": d_loss.detach(), "g": g_loss.detach(), **d_stats}

    # ------------------------------------------------------------- guards & output
    def _log_training(self, means: RunningMeans, started: float) -> None:
        """The means of the steps since the last line, with the hooks' own fields."""
        values, steps_per_s = means.pop()
        extra = {name: value for hook in self.hooks for name, value in hook.log_fields(self).items()}
        self.log.training(self.state.step, self.state.schedule.phase, values, extra, steps_per_s, time.monotonic() - started)

    @torch.no_grad()
    def _validate(self) -> None:
        """Judge the EMA generator; a better score than the phase's best so far writes best.pt.
        Validation draws from RNGs of its own, so training continues as if it had not run."""
        self._settle_ema()
        phase = self.state.schedule.phase
        with rng_untouched(self.device):
            metrics = dict(self.validation(self.state.generator_ema, phase))
        # replicas agree on one score (their generators are equal, their arithmetic may not be)
        score = float(dist.average_values(torch.tensor([float(metrics[SCORE])], device=self.device), self.world)[0])
        improved = self.state.schedule.judge(score, self.state.step)
        if not self.world.is_main:
            return
        if improved:
            checkpoint = self._checkpoint()
            ckpt.save_checkpoint(checkpoint, ckpt.checkpoint_path(self.run_dir, ckpt.BEST))
            if phase == "pretrain":  # what the adversarial phase starts from, even once best.pt moves on
                ckpt.save_checkpoint(checkpoint, ckpt.checkpoint_path(self.run_dir, ckpt.PRETRAIN_BEST))
        self.log.validation(self.state.step, phase, metrics, improved, SCORE)

    def _settle_ema(self) -> None:
        """Give the EMA generator normalisation statistics of its own before it is used or saved, from
        what the generator is given at a step (noise, or a translation family's real batch)."""
        if self.ema_settled_at != self.state.step:
            batch = self.batches.spread(self.config.batch_size)
            draw = partial(self.family.generator_input, batch, self.config.batch_size, self.device)
            recompute_norm_statistics(self.state.generator_ema, draw, self.device)
            self.ema_settled_at = self.state.step

    @torch.no_grad()
    def _write_samples(self) -> None:
        self._settle_ema()
        with autocast(self.device, self.config.amp):
            fake = self.family.samples(self.state.generator_ema, self.fixed_noise)
        self.family.write_samples(fake.float(), self.run_dir / "samples" / f"step-{self.state.step:06d}")

    def _checkpoint(self) -> dict:
        self._settle_ema()
        return ckpt.make_checkpoint(self.family, self.state, self.config.to_dict(), capture_rng_state(), hook_states(self.hooks),
                                    self.artifacts)

    def _save(self) -> None:
        if not self.world.is_main:
            return
        ckpt.save_checkpoint(self._checkpoint(), ckpt.checkpoint_path(self.run_dir))
        write_loss_plot(read_metrics(self.log.path), self.run_dir / "loss.png")

"""What the training loop calls besides its own steps: adaptive augmentation, learning-rate decay,
the stages of growing networks, a pool of past fakes.

Why hooks: each of these touches the loop at one or two points (before a step, on the fakes D
judges, after a D update) and has state a resumed run must get back; threaded through the loop
body they made it unreadable. A hook says which points it uses; the loop calls every hook at each.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

import torch

from midigan.core.adaptive import AdaptiveAugment
from midigan.core.distributed import World, average_values
from midigan.core.errors import TrainingError
from midigan.core.pool import FakePool

if TYPE_CHECKING:
    from midigan.core.config import TrainConfig
    from midigan.core.family import GANFamily
    from midigan.core.runlog import RunLog
    from midigan.core.runstate import RunState


class Trainer(Protocol):
    """What of the training loop a hook may use."""

    family: GANFamily
    config: TrainConfig
    state: RunState
    world: World
    device: torch.device
    log: RunLog
    say: Callable[[str], None]

    def restart_optimizers(self) -> None: ...


class TrainingHook:
    """A part of the run the loop calls at fixed points; its state travels in checkpoints under `name`."""

    name = ""

    def start(self, trainer: Trainer) -> None:
        """Once the networks, optimizers and (for a resumed run) the checkpoint's state are in place."""

    def before_step(self, trainer: Trainer, elapsed: float) -> None:
        """Before every training step; `elapsed` is this invocation's seconds of training."""

    def judged_fakes(self, fakes: torch.Tensor) -> torch.Tensor:
        """What D judges in place of this step's (detached) fakes."""
        return fakes

    def after_discriminator_update(self, trainer: Trainer, real_sign: torch.Tensor) -> dict[str, torch.Tensor]:
        """After every D update, with the mean sign of D(real); returns statistics to log."""
        return {}

    def log_fields(self, trainer: Trainer) -> dict[str, Any]:
        """Fields of its own for the next metrics.jsonl line."""
        return {}

    def state_dict(self) -> dict[str, Any] | None:
        return None

    def load_state_dict(self, state: dict[str, Any], device: torch.device) -> None:
        """Restore what `state_dict` gave (in a checkpoint of this run)."""


class AugmentHook(TrainingHook):
    """Adaptive augmentation (`midigan.core.adaptive`): every D update moves the family's augmentation
    probability by how sure D is of real data; replicas agree on the measurement."""

    name = "augment"

    def __init__(self, target: float, images_to_full: int):
        self.augment = AdaptiveAugment(target, images_to_full)

    def start(self, trainer: Trainer) -> None:
        try:
            trainer.family.set_augment_probability(trainer.state.discriminator, self.augment.p)
        except (NotImplementedError, ValueError) as error:
            raise TrainingError(f"adaptive augmentation is on, but {error}") from None

    def after_discriminator_update(self, trainer: Trainer, real_sign: torch.Tensor) -> dict[str, torch.Tensor]:
        real_sign = average_values(real_sign.reshape(1), trainer.world)[0]
        if self.augment.observe(real_sign, trainer.config.batch_size * trainer.world.world_size):
            trainer.family.set_augment_probability(trainer.state.discriminator, self.augment.p)
        return {"augment_p": torch.tensor(self.augment.p, device=trainer.device),
                "augment_r_t": torch.tensor(self.augment.r_t, device=trainer.device)}

    def state_dict(self) -> dict[str, Any]:
        return self.augment.state_dict()

    def load_state_dict(self, state: dict[str, Any], device: torch.device) -> None:
        self.augment.load_state_dict(state)


class PoolHook(TrainingHook):
    """D judges half of its fakes from a pool of past ones (`midigan.core.pool`, as CycleGAN does)."""

    name = "fake_pool"

    def __init__(self, batches: int):
        self.pool = FakePool(batches)

    def judged_fakes(self, fakes: torch.Tensor) -> torch.Tensor:
        return self.pool.exchange(fakes)

    def state_dict(self) -> dict[str, Any]:
        return self.pool.state_dict()

    def load_state_dict(self, state: dict[str, Any], device: torch.device) -> None:
        self.pool.load_state_dict(state, device)


class LearningRateDecay(TrainingHook):
    """Both learning rates at (1 - progress past `start_share`) of their value, reaching 0 at the end
    of the budget; progress is the larger of the steps' and the minutes' shares (CycleGAN's schedule)."""

    def __init__(self, start_share: float):
        self.start_share = start_share

    def before_step(self, trainer: Trainer, elapsed: float) -> None:
        config = trainer.config
        progress = 0.0
        if config.max_steps is not None:
            progress = trainer.state.step / config.max_steps
        if config.max_minutes is not None:
            progress = max(progress, elapsed / (60 * config.max_minutes))
        factor = min(1.0, max(0.0, (1.0 - progress) / (1.0 - self.start_share)))
        for optimizer in (trainer.state.g_optimizer, trainer.state.d_optimizer):
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
                group["lr"] = group["initial_lr"] * factor

    def log_fields(self, trainer: Trainer) -> dict[str, Any]:
        return {"lr": trainer.state.g_optimizer.param_groups[0]["lr"]}


class StageFollower(TrainingHook):
    """Puts growing networks in the family's stage for the examples shown so far (a function of the
    count alone, so a resumed run changes stage at the same step); a new stage gets fresh
    optimizers, as ProGAN restarts Adam at each resolution."""

    def __init__(self) -> None:
        self.stage = None

    def start(self, trainer: Trainer) -> None:
        self.before_step(trainer, 0.0)  # a resumed run continues in its checkpoint's stage, optimizers as saved

    def before_step(self, trainer: Trainer, elapsed: float) -> None:
        examples = trainer.state.batches_drawn * trainer.config.batch_size * trainer.world.world_size
        stage = trainer.family.stage_at(examples)
        if stage is None:
            return
        if self.stage is not None and stage.index != self.stage.index:
            trainer.restart_optimizers()
            trainer.say(f"after step {trainer.state.step}: the networks grow to {stage.name}; optimizers restarted")
        state = trainer.state
        trainer.family.enter_stage(stage, state.generator, state.discriminator, state.generator_ema)
        if self.stage is None or stage.name != self.stage.name:
            trainer.log.show({"stage": stage.name})
        self.stage = stage

    def log_fields(self, trainer: Trainer) -> dict[str, Any]:
        return {"stage": {"name": self.stage.name, "blend": round(self.stage.blend, 4)}} if self.stage else {}


def hooks_for(config: TrainConfig) -> list[TrainingHook]:
    """The hooks `config` turns on, in the order the loop calls them."""
    hooks: list[TrainingHook] = []
    if config.lr_decay_start is not None:
        hooks.append(LearningRateDecay(config.lr_decay_start))
    if config.augment_target is not None:
        hooks.append(AugmentHook(config.augment_target, config.augment_images_to_full))
    hooks.append(StageFollower())
    if config.fake_pool:
        hooks.append(PoolHook(config.fake_pool))
    return hooks


def hook_states(hooks: list[TrainingHook]) -> dict[str, Any]:
    """What a checkpoint keeps of the hooks: each state by the hook's name."""
    return {hook.name: state for hook in hooks if (state := hook.state_dict()) is not None}


def restore_hooks(hooks: list[TrainingHook], states: dict[str, Any], device: torch.device) -> None:
    """Give each hook back its state from a checkpoint of the run."""
    for hook in hooks:
        if states.get(hook.name):
            hook.load_state_dict(states[hook.name], device)

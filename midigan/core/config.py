"""Training settings as one plain dataclass, written next to every run as config.json."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from midigan.core.errors import TrainingError

LOSS_NAMES = ("ns", "hinge", "wgan-gp", "lsgan")
#: Settings a resumed run must share with the run it continues: data order, noise and the
#: optimizers' course depend on them (stopping rules, logging and the device may change).
RUN_DEFINING = ("batch_size", "loss", "gp_weight", "r1_gamma", "r1_interval", "label_smoothing", "d_steps", "g_lr", "d_lr",
                "betas", "pretrain_steps", "ema_decay", "seed", "weight_decay", "eval_every", "patience",
                "adversarial_g_lr", "adversarial", "augment_target", "augment_images_to_full", "drift_weight", "fake_pool",
                "lr_decay_start")


@dataclass
class TrainConfig:
    run_dir: str = "runs/run"
    # stopping rules: whichever comes first; None means no limit from that rule
    max_steps: int | None = 10_000
    max_minutes: float | None = None
    # validation (needs a Validation given to the Trainer): best.pt, early stopping, phase switch
    eval_every: int = 0  # steps between validations of the EMA generator; 0 = never
    patience: int = 0  # a phase ends after this many validations without a better score; 0 = never
    batch_size: int = 64
    # adversarial objective
    loss: str = "ns"  # one of LOSS_NAMES
    gp_weight: float = 10.0  # gradient-penalty weight for wgan-gp
    drift_weight: float = 0.0  # ProGAN's drift term: this times D(real)^2 keeps a WGAN critic near 0
    r1_gamma: float = 0.0  # R1 penalty on real data; 0 disables it
    r1_interval: int = 1  # apply R1 on every this-many-th D update, scaled up to match (StyleGAN2 uses 16)
    label_smoothing: float = 0.0  # real targets become 1 - label_smoothing (ns, lsgan)
    d_steps: int = 1  # discriminator updates per generator update
    fake_pool: int = 0  # batches of past fakes D also judges, half of each batch (CycleGAN); 0 = none
    d_won_steps: int = 1000  # D(fake) under 0.05 this long (ns, lsgan) and the log says D has won; 0 = never
    # share of the budget (steps, or this invocation's minutes) after which both learning rates
    # fall linearly to 0 at its end (CycleGAN: 0.5); None = constant
    lr_decay_start: float | None = None
    # adaptive augmentation (StyleGAN2-ADA, see midigan.core.adaptive): keep E[sign(D(real))] at
    # this target by moving the family's augmentation probability; None = off
    augment_target: float | None = None
    augment_images_to_full: int = 20_000  # real examples over which p can cross from 0 to 1
    g_lr: float = 2e-4
    adversarial_g_lr: float | None = None  # the generator's learning rate after pretraining (None: g_lr)
    d_lr: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    pretrain_steps: int = 0  # at most this many generator-only steps with the family's pretrain_loss first
    pretrain_time_share: float | None = None  # with max_minutes: pretraining ends by this share of the time
    adversarial: bool = True  # False: the run ends with pretraining (a likelihood-only baseline)
    weight_decay: float = 0.0  # decoupled weight decay of the generator (AdamW); 0 = plain Adam
    ema_decay: float = 0.999  # EMA of generator weights, used for samples and generation
    # machinery
    device: str = "auto"  # auto | cpu | cuda | cuda:N | mps
    amp: bool = True  # bf16 autocast where the device supports it (CUDA)
    seed: int = 0
    log_every: int = 50  # steps between metrics.jsonl lines
    sample_every: int = 1000  # steps between sample files from fixed noise
    checkpoint_every: int = 1000  # steps between checkpoints/last.pt writes
    n_samples: int = 16  # size of the fixed-noise sample batch
    progress: bool = True  # show a progress bar
    resume: bool = False  # continue from run_dir/checkpoints/last.pt

    def __post_init__(self) -> None:
        """Refuse settings no run can use (TrainingError, one line)."""
        if self.loss not in LOSS_NAMES:
            raise TrainingError(f"unknown loss {self.loss!r}; choose one of {', '.join(LOSS_NAMES)}")
        self.betas = tuple(self.betas)
        for name in ("batch_size", "d_steps", "r1_interval", "log_every", "sample_every", "checkpoint_every"):
            if getattr(self, name) < 1:
                raise TrainingError(f"{name} must be at least 1, got {getattr(self, name)}")
        for name in ("pretrain_steps", "eval_every", "patience", "fake_pool", "d_won_steps"):
            if getattr(self, name) < 0:
                raise TrainingError(f"{name} must not be negative")
        if self.lr_decay_start is not None and not 0 <= self.lr_decay_start < 1:
            raise TrainingError(f"lr_decay_start is a share of the budget in [0, 1), not {self.lr_decay_start}")
        if self.lr_decay_start is not None and self.max_steps is None and self.max_minutes is None:
            raise TrainingError("learning rates that decay over the budget need a budget (max_steps or max_minutes)")
        if not self.adversarial and self.pretrain_steps == 0:
            raise TrainingError("a likelihood-only run needs pretraining steps")

    def changes_from(self, trained_with: dict[str, Any]) -> list[str]:
        """The RUN_DEFINING settings of this config that differ from those a run was trained with
        (a checkpoint's train_config; settings added since count as their defaults), for a message."""
        trained = {**json_form(TrainConfig().to_dict()), **json_form(trained_with)}
        asked = json_form(self.to_dict())
        return [f"{name} {trained.get(name)} (not {asked[name]})" for name in RUN_DEFINING if trained.get(name) != asked[name]]

    @property
    def run_path(self) -> Path:
        return Path(self.run_dir)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


def json_form(value: Any) -> Any:
    """`value` as it reads back from JSON (tuples become lists)."""
    return json.loads(json.dumps(value))

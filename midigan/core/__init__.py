"""The adversarial training engine shared by music and images.

It knows tensors, modules, losses, devices and checkpoints, and nothing about music or pictures:
a model family (see `midigan.core.family.GANFamily`) brings those. Importing this package is cheap;
import the submodules for the real work:

- `family`: the `GANFamily` interface a model family implements; `config`: `TrainConfig`.
- `trainer`: `Trainer(family, data, config).fit() -> TrainResult`, the loop.
- `losses` (ns, hinge, wgan-gp, lsgan, R1, label smoothing), `ema`, `batches` (data order as a
  function of seed and step), `device` (auto device, bf16 autocast, fused Adam), `distributed`
  (torchrun), `rng`.
- `adaptive` (StyleGAN2-ADA's augmentation probability), `pool` (past fakes for D), `translation`
  (CycleGAN's generator and discriminator pairs, cycle and identity losses).
- `checkpoint`: `load_checkpoint`, `load_generator` (family + EMA generator for generation).
- `metrics` (metrics.jsonl), `plot` (loss.png), `png` (`write_png`, no Pillow), `rundir`, `errors`.
- `command`: what every training command does around `fit()` (the run to resume, one-line errors,
  how it ended, exit 130 when interrupted).
"""

"""Progressive growing: the schedule's arithmetic, each resolution's layers, fading in, and the
engine's stages (optimizers restarted, resume across a resolution change)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from click.testing import CliRunner
from PIL import Image
from support import IMAGES as SAMPLE

from imagegan.cli import main
from imagegan.progan import ProGANFamily, growth_stage, minibatch_stddev, real_at_stage, widths
from midigan.core.checkpoint import load_checkpoint
from midigan.core.config import TrainConfig
from midigan.core.family import Stage
from midigan.core.trainer import Trainer


def test_the_schedule_holds_4x4_then_fades_each_resolution_in_and_trains_it_alone() -> None:
    phase = 1000
    at = {shown: growth_stage(shown, 4, phase) for shown in (0, 999, 1000, 1250, 1999, 2000, 2999, 3000, 5500, 6999, 7000, 10**9)}
    assert [(stage.index, stage.blend) for stage in at.values()] == [
        (0, 1.0), (0, 1.0),  # 4x4 alone
        (1, 0.0), (1, 0.25), (1, 0.999), (1, 1.0), (1, 1.0),  # 8x8 fades in, then trains alone
        (2, 0.0), (3, 0.5), (3, 1.0), (3, 1.0), (3, 1.0),  # 16x16, 32x32; the last resolution stays
    ]
    assert [at[shown].name for shown in (0, 1250, 2000, 10**9)] == ["4x4", "8x8, fading in", "8x8", "32x32"]


def test_each_resolution_has_its_layers_and_shapes() -> None:
    torch.manual_seed(0)
    assert widths(32, 8) == [64, 32, 16, 8] and widths(128, 16) == [128, 128, 128, 64, 32, 16]
    family = ProGANFamily(size=32, channels=3, width=4, phase_images=10)
    generator, discriminator = family.build_generator(), family.build_discriminator()
    noise = family.sample_noise(4, torch.device("cpu"))
    assert noise.shape == (4, 128)
    real = torch.randint(0, 256, (4, 3, 32, 32), dtype=torch.uint8)
    for level, side in enumerate((4, 8, 16, 32)):
        family.enter_stage(Stage(level), generator, discriminator)
        assert (generator.level, discriminator.level) == (level, level)
        fake = generator(noise)
        assert fake.shape == (4, 3, side, side)
        assert family.real_input(real).shape == (4, 3, side, side)
        assert discriminator(fake).shape == (4,)
        assert generator.eval()(noise).shape == (4, 3, 32, 32)  # generation always at the final size
        generator.train()


def test_a_new_resolution_at_blend_0_changes_nothing_and_at_blend_1_is_alone() -> None:
    """Fading in is continuous: the moment a resolution arrives, G draws (upsampled) what it drew
    before and D judges what it judged before; the reals follow the same blend."""
    torch.manual_seed(0)
    family = ProGANFamily(size=32, channels=1, width=4, phase_images=10)
    generator, discriminator = family.build_generator(), family.build_discriminator()
    noise = family.sample_noise(8, torch.device("cpu"))
    images = torch.rand(8, 1, 16, 16) * 2 - 1
    for level in (1, 2):
        side = 4 << level
        generator.set_stage(level - 1, 1.0)
        discriminator.set_stage(level - 1, 1.0)
        before, judged_before = generator(noise), discriminator(F.avg_pool2d(images[..., :side, :side], 2))
        generator.set_stage(level, 0.0)
        discriminator.set_stage(level, 0.0)
        upsampled = F.interpolate(before, scale_factor=2, mode="nearest")
        torch.testing.assert_close(generator(noise), upsampled)
        torch.testing.assert_close(discriminator(images[..., :side, :side]), judged_before)
        generator.set_stage(level, 1.0)
        assert (generator(noise) - upsampled).abs().mean() > 1e-3
    real = torch.rand(2, 1, 32, 32) * 2 - 1
    low = F.interpolate(F.avg_pool2d(real, 4), scale_factor=2, mode="nearest")
    torch.testing.assert_close(real_at_stage(real, 2, 0.0), low)
    torch.testing.assert_close(real_at_stage(real, 2, 0.5), 0.5 * low + 0.5 * F.avg_pool2d(real, 2))


def test_minibatch_stddev_adds_one_map_that_is_zero_without_variety() -> None:
    same = torch.ones(8, 3, 4, 4)
    assert minibatch_stddev(same).shape == (8, 4, 4, 4)
    assert minibatch_stddev(same)[:, 3].abs().max() < 1e-3
    assert minibatch_stddev(torch.randn(8, 3, 4, 4))[:, 3].min() > 0.3
    assert minibatch_stddev(torch.randn(6, 3, 4, 4)).shape == (6, 4, 4, 4)  # 6 is not a multiple of 4: one group


def _train(run_dir: Path, steps: int, resume: bool = False) -> None:
    torch.manual_seed(0)
    images = torch.randint(0, 256, (40, 1, 32, 32), dtype=torch.uint8)
    family = ProGANFamily(size=32, channels=1, width=4, phase_images=24)
    config = TrainConfig(run_dir=str(run_dir), max_steps=steps, batch_size=8, loss="wgan-gp", drift_weight=1e-3,
                         g_lr=1e-3, d_lr=1e-3, betas=(0.0, 0.99), checkpoint_every=100, sample_every=100, log_every=1,
                         progress=False, device="cpu", resume=resume)
    Trainer(family, images, config).fit()


def test_resume_across_a_resolution_change_matches_an_uninterrupted_run(tmp_path: Path) -> None:
    # 24 images per phase, 8 per step: 4x4 for steps 1-3, 8x8 fades in over 4-6, alone 7-9, 16x16 from step 10
    _train(tmp_path / "whole", 11)
    _train(tmp_path / "parts", 5)
    _train(tmp_path / "parts", 11, resume=True)
    whole, parts = (load_checkpoint(tmp_path / name / "checkpoints" / "last.pt") for name in ("whole", "parts"))
    for key in ("generator", "discriminator", "generator_ema"):
        for name, tensor in whole[key].items():
            if isinstance(tensor, torch.Tensor):
                torch.testing.assert_close(parts[key][name], tensor, rtol=0, atol=0)
    assert whole["generator"]["_extra_state"] == {"level": 2, "blend": pytest.approx(1 / 3)}
    # Adam restarted at 16x16 (step 10): its state counts the two steps since
    steps_taken = {float(state["step"]) for state in whole["d_optimizer"]["state"].values()}
    assert steps_taken == {2.0}
    lines = (tmp_path / "whole" / "metrics.jsonl").read_text().splitlines()
    assert '"stage": {"name": "8x8, fading in", "blend": 0.3333}' in lines[4]


def test_imagegan_grows_from_the_command_line_and_generates_at_the_final_size(tmp_path: Path) -> None:
    run = tmp_path / "grow"
    done = CliRunner().invoke(main, ["train", str(SAMPLE), "--arch", "progan", "--size", "32", "--width", "8",
                                     "--phase-images", "32", "--max-steps", "3", "--batch-size", "16",
                                     "--run-dir", str(run), "--device", "cpu"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert "after step 2: the networks grow to 8x8, fading in; optimizers restarted" in done.output
    out = tmp_path / "grid.png"
    made = CliRunner().invoke(main, ["generate", "--model", str(run), str(out), "--count", "4", "--grid", "2x2"])
    assert made.exit_code == 0, made.output
    assert Image.open(out).size == (2 + 2 * 34, 2 + 2 * 34)  # 32x32 images, though training stopped at 8x8
    resumed = CliRunner().invoke(main, ["train", str(SAMPLE), "--resume", "--run-dir", str(run), "--size", "64"])
    assert resumed.exit_code == 1 and "was trained with --size 32; a resumed run keeps it" in resumed.output


@pytest.mark.parametrize("args, message", [
    (["--size", "128"], "Error: a DCGAN draws 32x32 or 64x64 images; --arch progan grows to 128x128\n"),
    (["--phase-images", "1000"], "Error: --phase-images applies to --arch progan only\n"),
])
def test_dcgan_only_settings_are_refused_in_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    done = CliRunner().invoke(main, ["train", str(SAMPLE), "--run-dir", str(tmp_path / "r"), *args])
    assert done.exit_code == 1 and done.output == message

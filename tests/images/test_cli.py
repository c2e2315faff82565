"""imagegan train / generate / evaluate end to end on the digits sample in data/images."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import torch
from PIL import Image
from support import IMAGES as SAMPLE
from support import imagegan
from torch import nn

from midigan.core.config import TrainConfig
from midigan.core.family import GANFamily
from midigan.core.trainer import Trainer


def invoke(*args: str):
    return imagegan(*args, catch_exceptions=False)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("runs") / "digits-1"
    done = invoke("train", SAMPLE, "--size", 32, "--max-steps", 3, "--batch-size", 16, "--run-dir", run, "--device", "cpu")
    assert done.exit_code == 0, done.output
    assert "read 200 images (grey, 32x32) in 10 classes" in done.output
    assert "stopped after 3 steps (step limit reached)" in done.output
    return run


def test_train_writes_a_run_folder_with_a_sample_grid_from_fixed_noise(run_dir: Path) -> None:
    assert {p.name for p in run_dir.iterdir()} >= {"config.json", "metrics.jsonl", "samples", "checkpoints", "loss.png"}
    config = json.loads((run_dir / "config.json").read_text())
    # a folder of 200 images: narrow networks, adaptive augmentation, lazy R1, Adam 3e-4 decaying over the second half
    assert config["family"] == {"name": "dcgan", "config": {"size": 32, "channels": 1, "nz": 100, "width": 16,
                                                             "augment": ["translation", "cutout"]}}
    train = config["train"]
    assert (train["augment_target"], train["augment_images_to_full"], train["r1_gamma"], train["g_lr"]) == (0.6, 20_000, 0.03, 3e-4)
    assert train["lr_decay_start"] == 0.5
    last = json.loads((run_dir / "metrics.jsonl").read_text().splitlines()[-1])
    assert last["lr"] == pytest.approx(3e-4 * (1 - 2 / 3) / 0.5)  # step 3 of 3 ran at 2/3 of the budget
    grid = Image.open(run_dir / "samples" / "step-000003.png")
    assert grid.mode == "L" and grid.size == (2 + 8 * 34, 2 + 8 * 34)  # 64 fixed-noise samples, 8x8


def test_generate_makes_exactly_the_requested_grid_and_repeats_with_a_seed(run_dir: Path, tmp_path: Path) -> None:
    done = invoke("generate", "--model", run_dir, tmp_path / "a.png", "--count", 10, "--grid", "2x5", "--seed", 7)
    assert done.exit_code == 0, done.output
    assert "wrote 10 images as a 2x5 grid" in done.output
    assert Image.open(tmp_path / "a.png").size == (2 + 5 * 34, 2 + 2 * 34)
    invoke("generate", "--model", run_dir / "checkpoints" / "last.pt", tmp_path / "b.png", "--grid", "2x5", "--seed", 7)
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    too_many = invoke("generate", "--model", run_dir, tmp_path / "c.png", "--count", 11, "--grid", "2x5")
    assert too_many.exit_code == 1 and too_many.output == "Error: 11 images do not fit a 2x5 grid\n"


def test_generate_separate_writes_single_images(run_dir: Path, tmp_path: Path) -> None:
    done = invoke("generate", "--model", run_dir, tmp_path / "singles", "--separate", "--count", 3)
    assert done.exit_code == 0, done.output
    files = sorted((tmp_path / "singles").iterdir())
    assert [f.name for f in files] == ["0001.png", "0002.png", "0003.png"]
    assert all(Image.open(f).size == (32, 32) for f in files)
    under_a_file = invoke("generate", "--model", run_dir, tmp_path / "singles" / "0001.png" / "grid.png", "--count", 4)
    assert under_a_file.exit_code == 1 and under_a_file.output.startswith("Error: cannot write to"), under_a_file.output


def test_generate_defaults_to_the_newest_image_run(run_dir: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert invoke("generate", "x.png").output == "Error: no imagegan run under runs/; train one or pass --model\n"
    (tmp_path / "runs").symlink_to(run_dir.parent)
    done = invoke("generate", "x.png", "--count", 4)
    assert done.exit_code == 0 and Image.open("x.png").size == (2 + 2 * 34, 2 + 2 * 34)


def test_evaluate_prints_floor_model_and_ceiling(run_dir: Path) -> None:
    done = invoke("evaluate", "--model", run_dir, "--reference", SAMPLE, "--count", 100)
    assert done.exit_code == 0, done.output
    rows = dict(re.findall(r"^  (held-out real \(floor\)|model|uniform noise \(ceiling\)) +([\d.]+)", done.output, re.M))
    assert set(rows) == {"held-out real (floor)", "model", "uniform noise (ceiling)"}
    assert float(rows["held-out real (floor)"]) < float(rows["uniform noise (ceiling)"])
    assert "Classes of 100 generated images" in done.output
    fixed = done.output.split("by the fixed judge")[1]  # the same three rows in features never trained
    rows = dict(re.findall(r"^  (held-out real \(floor\)|model|uniform noise \(ceiling\)) +([\d.]+)", fixed, re.M))
    assert float(rows["held-out real (floor)"]) < float(rows["model"]) < float(rows["uniform noise (ceiling)"])


def test_resume_continues_the_same_run(run_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    refused = invoke("train", SAMPLE, "--resume", "--run-dir", copy, "--size", 64)
    assert refused.exit_code == 1 and f"{copy} was trained with --size 32" in refused.output
    refused = invoke("train", SAMPLE, "--resume", "--run-dir", copy, "--augment", "cutout")
    assert refused.exit_code == 1 and f"{copy} was trained with --augment adaptive" in refused.output
    done = invoke("train", SAMPLE, "--resume", "--run-dir", copy, "--max-steps", 5)
    assert done.exit_code == 0 and "stopped after 5 steps" in done.output
    steps = [json.loads(line)["step"] for line in (copy / "metrics.jsonl").read_text().splitlines()]
    assert steps[-1] == 5


def test_training_options_reach_the_engine(tmp_path: Path) -> None:
    run = tmp_path / "tuned"
    done = invoke(
        "train", SAMPLE, "--size", 32, "--width", 8, "--max-steps", 2, "--batch-size", 8, "--run-dir", run,
        "--device", "cpu", "--loss", "lsgan", "--d-steps", 2, "--ema-decay", 0.99, "--label-smoothing", 0.1, "--lr", 1e-4,
        "--augment", "translation,cutout", "--r1-gamma", 0.1, "--lr-decay-start", 1, "--quiet",
    )
    assert done.exit_code == 0, done.output
    stored = json.loads((run / "config.json").read_text())
    train = stored["train"]
    assert (train["loss"], train["d_steps"], train["ema_decay"], train["label_smoothing"]) == ("lsgan", 2, 0.99, 0.1)
    assert train["g_lr"] == train["d_lr"] == 1e-4 and train["progress"] is False and train["lr_decay_start"] is None
    assert (train["r1_gamma"], train["r1_interval"], stored["family"]["config"]["augment"]) == (0.1, 16, ["translation", "cutout"])
    last = json.loads((run / "metrics.jsonl").read_text().splitlines()[-1])
    assert last["step"] == 2 and last["losses"]["r1"] > 0  # R1 ran on the first of the 4 D updates
    assert train["augment_target"] is None and "augment" not in last  # a fixed policy: always on, nothing adapts
    misspelt = invoke("train", SAMPLE, "--augment", "translation,flip", "--run-dir", tmp_path / "never")
    assert misspelt.exit_code == 2 and "unknown augmentation 'flip'" in misspelt.output
    mixed = invoke("train", SAMPLE, "--augment", "adaptive,cutout", "--run-dir", tmp_path / "never")  # the default was not named
    assert mixed.exit_code == 2 and "choose from translation, cutout or none, or adaptive alone" in mixed.output


def test_a_time_budget_alone_sets_no_step_limit(tmp_path: Path) -> None:
    run = tmp_path / "timed"
    done = invoke("train", SAMPLE, "--size", 32, "--width", 8, "--batch-size", 8, "--max-minutes", 0.005, "--run-dir", run,
                  "--device", "cpu", "--quiet")
    assert done.exit_code == 0 and "(time budget used)" in done.output, done.output
    assert json.loads((run / "config.json").read_text())["train"]["max_steps"] is None


class PointFamily(GANFamily):
    """A family of another kind: its checkpoint must be refused by imagegan."""

    name = "points"

    def build_generator(self) -> nn.Module:
        return nn.Linear(2, 2)

    def build_discriminator(self) -> nn.Module:
        return nn.Linear(2, 1)

    def sample_noise(self, n, device, generator=None):
        return torch.randn(n, 2, device=device, generator=generator)

    def config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls()


def test_a_checkpoint_of_another_family_is_refused_in_one_line(tmp_path: Path) -> None:
    config = TrainConfig(run_dir=str(tmp_path / "points"), max_steps=1, batch_size=4, device="cpu", progress=False)
    Trainer(PointFamily(), torch.randn(8, 2), config).fit()
    done = invoke("generate", "--model", tmp_path / "points", tmp_path / "out.png")
    assert done.exit_code == 1
    assert done.output == f"Error: {tmp_path / 'points' / 'checkpoints' / 'last.pt'} is a points checkpoint, not a dcgan or progan model\n"


def test_bad_input_gives_one_line_errors(tmp_path: Path) -> None:
    (tmp_path / "junk.png").write_text("not a picture")
    done = invoke("train", tmp_path, "--run-dir", tmp_path / "run")
    assert done.exit_code == 1
    assert done.output == f"Error: none of the 1 image files under {tmp_path} could be read (not an image)\n"
    assert invoke("generate", "--grid", "8by8", tmp_path / "g.png").output.startswith("Error: grid must look like ROWSxCOLS")

"""imagegan transfer: the CycleGAN family's losses and layout, and train / resume / apply from the
command line on the digits sample against a thick-stroke copy of other digits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from PIL import Image, ImageFilter
from support import IMAGES as SAMPLE
from support import imagegan
from torch import nn

from imagegan.cyclegan import CYCLE_WEIGHT, IDENTITY_WEIGHT, CycleGANFamily, TranslatorPair
from midigan.core.checkpoint import load_checkpoint


class Shift(nn.Module):
    def __init__(self, by: float):
        super().__init__()
        self.by = by

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.by


@pytest.mark.parametrize("cycle_weight, identity_weight", [(CYCLE_WEIGHT, IDENTITY_WEIGHT), (3.0, 0.0)])
def test_cycle_and_identity_losses_against_hand_checked_translators(cycle_weight: float, identity_weight: float) -> None:
    family = CycleGANFamily(size=32, channels=1, width=4, cycle_weight=cycle_weight, identity_weight=identity_weight)
    batch = (torch.zeros(2, 1, 4, 4, dtype=torch.uint8), torch.full((2, 1, 4, 4), 255, dtype=torch.uint8))  # -1 and 1

    def loss(pair: TranslatorPair) -> float:
        return family.generator_aux_loss(pair, None, pair(family.real_input(batch)), batch).item()

    assert loss(TranslatorPair(nn.Identity(), nn.Identity())) == 0  # nothing to undo, nothing changed
    # round trips are exact, but each translator moves images of its own target domain by 2
    assert loss(TranslatorPair(Shift(2.0), Shift(-2.0))) == pytest.approx(identity_weight * (2 + 2))
    # A -> B -> A comes back 2 off, as does B -> A -> B; B's images move by 2 when "moved" into B
    assert loss(TranslatorPair(Shift(2.0), nn.Identity())) == pytest.approx(cycle_weight * (2 + 2) + identity_weight * 2)


def test_fakes_keep_the_domain_slots_of_the_real_batch_and_every_patch_is_judged() -> None:
    family = CycleGANFamily(size=32, channels=1, width=4)
    generator, discriminator = family.build_generator(), family.build_discriminator()
    batch = (torch.zeros(3, 1, 32, 32, dtype=torch.uint8), torch.full((3, 1, 32, 32), 255, dtype=torch.uint8))
    real = family.real_input(batch)
    assert real[:3].eq(-1).all() and real[3:].eq(1).all()  # [A; B]
    fake = generator(family.generator_input(batch, 3, torch.device("cpu")))
    assert fake.shape == real.shape
    torch.testing.assert_close(fake[:3], generator.b_to_a(real[3:]))  # B -> A sits where A's rows are
    patches = discriminator(real)
    assert patches.dim() == 1 and len(patches) == 6 * 2 * 2  # 2x2 patches per 32x32 image
    assert family.samples(generator, real).shape == (18, 1, 32, 32)  # inputs, translations, round trips


def test_translators_upsample_by_resizing_and_runs_from_before_keep_transposed_convolutions() -> None:
    resizing = CycleGANFamily(size=32, channels=1, width=4).build_generator()
    assert not any(isinstance(module, nn.ConvTranspose2d) for module in resizing.modules())
    assert sum(isinstance(module, nn.Upsample) for module in resizing.modules()) == 4  # two per translator
    older = CycleGANFamily.from_config({"size": 32, "channels": 1, "width": 4}).build_generator()
    assert sum(isinstance(module, nn.ConvTranspose2d) for module in older.modules()) == 4
    assert older(torch.zeros(2, 1, 32, 32)).shape == resizing(torch.zeros(2, 1, 32, 32)).shape == (2, 1, 32, 32)


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> tuple[Path, Path]:
    """A: the first half of each digit's sample images; B: the other half with thick strokes."""
    root = tmp_path_factory.mktemp("domains")
    for path in sorted(SAMPLE.glob("*/*.png")):
        index = int(path.stem)
        thick = index % 2 == 1
        target = root / ("thick" if thick else "thin") / path.parent.name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        image = Image.open(path)
        (image.filter(ImageFilter.MaxFilter(3)) if thick else image).save(target)
    return root / "thin", root / "thick"


def invoke(*args) -> object:
    return imagegan(*args, catch_exceptions=False)


def test_train_resume_and_apply_from_the_command_line(folders, tmp_path: Path) -> None:
    thin, thick = folders
    common = ("--size", 32, "--width", 4, "--batch-size", 4, "--device", "cpu", "--quiet")
    whole = invoke("transfer", "train", thin, thick, "--max-steps", 4, "--run-dir", tmp_path / "whole", *common)
    assert whole.exit_code == 0, whole.output
    assert "A: 102 images (grey, 32x32) in 10 classes" in whole.output and "B: 98 images" in whole.output
    config = json.loads((tmp_path / "whole" / "config.json").read_text())
    assert config["family"]["name"] == "cyclegan"
    assert (config["train"]["loss"], config["train"]["fake_pool"], config["train"]["lr_decay_start"]) == ("lsgan", 13, 0.5)
    grid = Image.open(tmp_path / "whole" / "samples" / "step-000004.png")
    assert grid.size == (2 + 8 * 34, 2 + 6 * 34)  # 8 inputs of each side; input, translation, round trip

    # stopped at step 2 of a first budget of 2: its learning rates had not begun to fall (from half the budget)
    invoke("transfer", "train", thin, thick, "--max-steps", 2, "--run-dir", tmp_path / "halves", *common)
    resumed = invoke("transfer", "train", thin, thick, "--max-steps", 4, "--run-dir", tmp_path / "halves", "--resume", "--device", "cpu",
                     "--quiet")  # the device may change on resume: exactness holds on one
    assert resumed.exit_code == 0, resumed.output
    straight, halves = (load_checkpoint(tmp_path / name / "checkpoints" / "last.pt") for name in ("whole", "halves"))
    for name, tensor in straight["generator"].items():
        assert torch.equal(halves["generator"][name], tensor), name
    changed = invoke("transfer", "train", thin, thick, "--run-dir", tmp_path / "halves", "--resume", "--identity-weight", 0)
    assert changed.exit_code == 1
    kept = f"was trained with --identity-weight {IDENTITY_WEIGHT:g}; a resumed run keeps it"
    assert changed.output == f"Error: {tmp_path / 'halves'} {kept}\n"

    out = tmp_path / "thickened"
    applied = invoke("transfer", "apply", "--model", tmp_path / "whole", "--to", "B", thin / "3", out)
    assert applied.exit_code == 0, applied.output
    assert sorted(path.name for path in out.iterdir()) == sorted(path.name for path in (thin / "3").iterdir())
    assert Image.open(next(out.iterdir())).size == (32, 32)
    one = invoke("transfer", "apply", "--model", tmp_path / "whole", "--to", "A", next((thick / "3").iterdir()), tmp_path / "a.png")
    assert one.exit_code == 0 and Image.open(tmp_path / "a.png").mode == "L"
    source = next((thick / "3").iterdir())
    inside = invoke("transfer", "apply", "--model", tmp_path / "whole", "--to", "A", source, out)  # a file into a folder
    assert inside.exit_code == 0 and (out / source.name).is_file()
    for wrong, message in (((thin / "3", tmp_path / "a.png"), "OUT must be one too"), ((source, tmp_path / "noext"), "no image format"),
                           ((source, tmp_path / "a.png" / "b.png"), "cannot write")):
        refused = invoke("transfer", "apply", "--model", tmp_path / "whole", "--to", "A", *wrong)
        assert refused.exit_code == 1 and message in refused.output and "Traceback" not in refused.output, refused.output


def test_bad_folders_and_models_are_refused_in_one_line(folders, tmp_path: Path) -> None:
    thin, thick = folders
    empty = tmp_path / "empty"
    empty.mkdir()
    done = invoke("transfer", "train", thin, empty, "--run-dir", tmp_path / "r")
    assert done.exit_code == 1 and done.output == f"Error: no images (.png, .jpg, .jpeg, .gif, .bmp, .webp) found under {empty}\n"
    colour = tmp_path / "colour"
    colour.mkdir()
    Image.new("RGB", (32, 32), (200, 30, 30)).save(colour / "red.png")
    done = invoke("transfer", "train", thin, colour, "--run-dir", tmp_path / "r")
    assert done.exit_code == 1
    assert done.output == f"Error: {thin} holds grey images and {colour} colour ones; pass --channels 1 or --channels 3\n"
    grey_too = invoke("transfer", "train", thin, colour, "--channels", 1, "--size", 32, "--width", 4, "--batch-size", 4,
                      "--max-steps", 1, "--run-dir", tmp_path / "r", "--quiet")
    assert grey_too.exit_code == 0, grey_too.output
    not_a_transfer = invoke("generate", "--model", tmp_path / "r", tmp_path / "x.png")
    assert not_a_transfer.exit_code == 1
    assert not_a_transfer.output == (f"Error: {tmp_path / 'r'} translates images and draws none of its own:"
                                     f" imagegan transfer apply --model {tmp_path / 'r'} --to B in.png out.png\n")

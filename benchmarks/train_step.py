"""Training speed: imagegan (the shared engine) against the PyTorch DCGAN example's loop.

The baseline is a plain reimplementation of github.com/pytorch/examples dcgan/main.py: a
DataLoader over the images, D ending in a sigmoid with BCELoss, a D step on reals, a D step on
fakes, a G step, in fp32 and default memory layout. Both use the same Generator/Discriminator
architecture, batch size and images (data/images, as 3-channel pictures like the example's).
imagegan's rate comes from the engine's own metrics.jsonl (steps/s over the timed steps, after
warm-up). Prints images/s and the ratio for 32x32 and 64x64 on each device asked for.

    python benchmarks/train_step.py                 # CPU, and CUDA too when present
    python benchmarks/train_step.py --device cuda --steps 200
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import click
import torch
from torch import nn

from imagegan.data import load_images
from imagegan.models import DCGANFamily, Discriminator, Generator
from midigan.core.config import TrainConfig
from midigan.core.trainer import Trainer

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "images"


def imagegan_images_per_s(images: torch.Tensor, size: int, batch: int, steps: int, device: str) -> float:
    """Rate of the engine's training steps: the second metrics line covers exactly the timed steps."""
    with tempfile.TemporaryDirectory() as run_dir:
        config = TrainConfig(
            run_dir=run_dir, max_steps=2 * steps, batch_size=batch, device=device, progress=False,
            log_every=steps, sample_every=10**9, checkpoint_every=10**9,
        )
        Trainer(DCGANFamily(size=size, channels=3), images, config).fit()
        timed = json.loads((Path(run_dir) / "metrics.jsonl").read_text().splitlines()[1])
    return timed["steps_per_s"] * batch


class PlainImages(torch.utils.data.Dataset):
    """The example's ToTensor + Normalize(0.5, 0.5), on images already in memory (no file reads)."""

    def __init__(self, images: torch.Tensor):
        self.images = images

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> torch.Tensor:
        return (self.images[index].float() / 255.0 - 0.5) / 0.5


def plain_images_per_s(images: torch.Tensor, size: int, batch: int, steps: int, device: str) -> float:
    """The DCGAN example's loop, `steps` warm-up steps then `steps` timed ones."""
    device = torch.device(device)
    torch.manual_seed(0)
    net_g = Generator(size, 3).to(device)
    net_d = nn.Sequential(Discriminator(size, 3), nn.Sigmoid()).to(device)
    criterion = nn.BCELoss()
    optimizer_d = torch.optim.Adam(net_d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optimizer_g = torch.optim.Adam(net_g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    loader = torch.utils.data.DataLoader(PlainImages(images), batch_size=batch, shuffle=True, drop_last=True)
    done, started = 0, 0.0
    while done < 2 * steps:
        for data in loader:
            if done == steps:
                _synchronize(device)
                started = time.perf_counter()
            net_d.zero_grad()
            real = data.to(device)
            label = torch.full((real.size(0),), 1.0, device=device)
            err_d_real = criterion(net_d(real).view(-1), label)
            err_d_real.backward()
            fake = net_g(torch.randn(real.size(0), 100, 1, 1, device=device))
            label.fill_(0.0)
            err_d_fake = criterion(net_d(fake.detach()).view(-1), label)
            err_d_fake.backward()
            optimizer_d.step()
            net_g.zero_grad()
            label.fill_(1.0)
            err_g = criterion(net_d(fake).view(-1), label)
            err_g.backward()
            optimizer_g.step()
            (err_d_real + err_d_fake).item(), err_g.item()  # the example prints these every step
            done += 1
            if done == 2 * steps:
                break
    _synchronize(device)
    return steps * batch / (time.perf_counter() - started)


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


@click.command()
@click.option("--device", "devices", multiple=True, help="cpu and/or cuda. Default: cpu, plus cuda when present.")
@click.option("--batch-size", type=int, default=64, show_default=True)
@click.option("--steps", type=int, default=None, help="Timed steps (as many warm-up steps first). Default: 10 on CPU, 200 on CUDA.")
@click.option("--repeats", type=int, default=2, show_default=True, help="Alternating runs of each; the best rate counts.")
@click.option("--threads", type=int, default=torch.get_num_threads(), show_default=True)
def main(devices: tuple[str, ...], batch_size: int, steps: int | None, repeats: int, threads: int) -> None:
    torch.set_num_threads(threads)
    devices = devices or (("cpu", "cuda") if torch.cuda.is_available() else ("cpu",))
    print(f"batch {batch_size}, {threads} CPU threads, torch {torch.__version__}")
    print("| device | size | DCGAN example loop (images/s) | imagegan (images/s) | ratio |")
    print("| --- | --- | --- | --- | --- |")
    for device in devices:
        timed_steps = steps or (200 if device.startswith("cuda") else 10)
        name = torch.cuda.get_device_name(0) if device.startswith("cuda") else "cpu"
        for size in (32, 64):
            images = load_images(SAMPLE, size, channels=3).images
            plain, ours = 0.0, 0.0
            for _ in range(repeats):
                plain = max(plain, plain_images_per_s(images, size, batch_size, timed_steps, device))
                ours = max(ours, imagegan_images_per_s(images, size, batch_size, timed_steps, device))
            print(f"| {name} | {size}x{size} | {plain:.0f} | {ours:.0f} | {ours / plain:.2f}x |", flush=True)


if __name__ == "__main__":
    main()

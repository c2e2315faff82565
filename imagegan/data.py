"""Any folder of pictures -> one uint8 tensor in memory, ready for the engine.

Why in memory: DCGAN-sized data sets (tens of thousands of 64x64 images) fit in a few hundred MB
as uint8, and a tensor indexed by the engine beats a file-reading DataLoader on every device.
A folder in the wild holds broken files: those are skipped and reported, never fatal.
"""

from __future__ import annotations

import os
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp")
GREY_MODES = ("1", "L")


class ImageFolderError(ValueError):
    """The folder holds no usable image; the message is one line for the user."""


@dataclass
class ImageSet:
    """Images as uint8 (N, C, H, W), with class labels when the folder has class subfolders."""

    images: torch.Tensor
    paths: list[Path]
    labels: torch.Tensor | None = None  # int64 (N,), index into class_names
    class_names: list[str] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def channels(self) -> int:
        return int(self.images.shape[1])

    def summary(self) -> str:
        """One line a user can act on: what was read, what was skipped and why."""
        n, c, h, w = self.images.shape
        kind = "grey" if c == 1 else "colour"
        text = f"{n} images ({kind}, {h}x{w})"
        if self.class_names:
            text += f" in {len(self.class_names)} classes"
        if self.skipped:
            reasons = Counter(reason for _, reason in self.skipped)
            example = {reason: path for path, reason in reversed(self.skipped)}
            text += f"; skipped {len(self.skipped)}: " + ", ".join(
                f"{count} {reason} (e.g. {example[reason]})" for reason, count in reasons.most_common()
            )
        return text


def scan_images(folder: Path) -> list[Path]:
    """Image files under `folder` (recursive, by suffix, hidden entries left out), sorted."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ImageFolderError(f"{folder} is not a folder")
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [Path(root, f) for f in files if not f.startswith(".") and f.lower().endswith(IMAGE_SUFFIXES)]
    return sorted(found)


def _to_plain_mode(image: Image.Image) -> Image.Image:
    """Grey ("L") or colour ("RGB"), transparency composited onto white, 16-bit scaled to 8."""
    if image.mode.startswith("I") or image.mode == "F":
        pixels = np.asarray(image, dtype=np.float64)
        scale = 255.0 / 65535.0 if pixels.max() > 255 else 1.0
        return Image.fromarray(np.clip(pixels * scale, 0, 255).astype(np.uint8))
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image.convert("RGBA"))
    if image.mode in GREY_MODES:
        return image.convert("L")
    return image.convert("RGB")


def _load_one(path: Path, size: int) -> Image.Image | str:
    """The image centre-cropped to a square and resized to size x size, or why it was skipped."""
    try:
        with Image.open(path) as image:
            image.load()  # decode now: truncated files fail here, not later
            plain = _to_plain_mode(ImageOps.exif_transpose(image))  # camera photos stored sideways
    except UnidentifiedImageError:
        return "not an image"
    except Image.DecompressionBombError:
        return "too large"
    except (OSError, SyntaxError, ValueError, EOFError):
        return "truncated or corrupt"
    if plain.mode == "RGB" and _is_grey(plain):
        plain = plain.convert("L")
    return ImageOps.fit(plain, (size, size), method=Image.Resampling.BICUBIC, centering=(0.5, 0.5))


def _is_grey(image: Image.Image) -> bool:
    pixels = np.asarray(image)
    return bool((pixels[..., 0] == pixels[..., 1]).all() and (pixels[..., 1] == pixels[..., 2]).all())


def load_images(folder: Path, size: int, channels: int | None = None) -> ImageSet:
    """Read every image under `folder` as a (N, channels, size, size) uint8 tensor.

    `channels` None picks 3 if any image has colour, else 1. Labels come from the first-level
    subfolder names when every image sits in one (e.g. `digits/7/0042.png` is class "7").
    """
    folder = Path(folder)
    paths = scan_images(folder)
    if not paths:
        raise ImageFolderError(f"no images ({', '.join(IMAGE_SUFFIXES)}) found under {folder}")
    # Pillow releases the GIL while decoding and resizing, so threads give real parallelism here
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        results = list(pool.map(lambda p: _load_one(p, size), paths))
    loaded = [(p, r) for p, r in zip(paths, results) if isinstance(r, Image.Image)]
    skipped = [(p, r) for p, r in zip(paths, results) if isinstance(r, str)]
    if not loaded:
        reasons = ", ".join(sorted({r for _, r in skipped}))
        raise ImageFolderError(f"none of the {len(paths)} image files under {folder} could be read ({reasons})")
    if channels is None:
        channels = 3 if any(image.mode == "RGB" for _, image in loaded) else 1
    mode = "L" if channels == 1 else "RGB"
    arrays = np.stack([np.asarray(image.convert(mode)).reshape(size, size, channels) for _, image in loaded])
    images = torch.from_numpy(arrays).permute(0, 3, 1, 2).contiguous()
    kept = [p for p, _ in loaded]
    labels, class_names = _labels_from_subfolders(folder, kept)
    return ImageSet(images=images, paths=kept, labels=labels, class_names=class_names, skipped=skipped)


def read_image(path: Path, size: int, channels: int) -> torch.Tensor:
    """One image file as a (channels, size, size) uint8 tensor, cropped and resized as a folder's
    images are; ImageFolderError with the reason when it cannot be read."""
    image = _load_one(Path(path), size)
    if isinstance(image, str):
        raise ImageFolderError(f"cannot read {path}: {image}")
    pixels = np.asarray(image.convert("L" if channels == 1 else "RGB")).reshape(size, size, channels)
    return torch.from_numpy(pixels.copy()).permute(2, 0, 1).contiguous()


def _labels_from_subfolders(folder: Path, paths: list[Path]) -> tuple[torch.Tensor | None, list[str]]:
    parts = [p.relative_to(folder).parts for p in paths]
    if any(len(part) < 2 for part in parts):
        return None, []
    class_names = sorted({part[0] for part in parts})
    if len(class_names) < 2:
        return None, []
    index = {name: i for i, name in enumerate(class_names)}
    return torch.tensor([index[part[0]] for part in parts], dtype=torch.int64), class_names


def to_float(images: torch.Tensor) -> torch.Tensor:
    """uint8 pixels -> floats in [-1, 1], the range of the generator's tanh."""
    return images.float().div_(127.5).sub_(1.0)


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """Floats in [-1, 1] -> uint8 pixels on the CPU."""
    return images.detach().float().add(1.0).mul_(127.5).round_().clamp_(0, 255).to(torch.uint8).cpu()

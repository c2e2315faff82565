"""Reading a folder of images in the wild: formats, modes, sizes, broken files, class labels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from support import IMAGES as SAMPLE

from imagegan.data import ImageFolderError, load_images, scan_images


def _mixed_folder(root: Path) -> None:
    """One image per format and mode, plus a truncated PNG and a text file named .png."""
    (root / "sub" / "deeper").mkdir(parents=True)
    wide = np.zeros((20, 60, 3), dtype=np.uint8)
    wide[:, 20:40] = (255, 0, 0)  # red centre square between black side bands
    Image.fromarray(wide).save(root / "wide.JPG", quality=95)
    Image.fromarray(np.full((8, 8), 200, dtype=np.uint8)).save(root / "grey.png")
    Image.fromarray(np.full((30, 10, 4), (0, 0, 255, 0), dtype=np.uint8)).save(root / "sub" / "clear.webp", lossless=True)
    Image.fromarray(np.full((12, 12, 3), (0, 255, 0), dtype=np.uint8)).convert("P").save(root / "sub" / "palette.gif")
    Image.fromarray(np.full((16, 16, 3), 90, dtype=np.uint8)).save(root / "sub" / "deeper" / "plain.bmp")
    Image.fromarray(np.full((9, 9), 65535, dtype=np.uint16)).save(root / "sixteen.png")
    full = root / "tmp.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(full)
    (root / "truncated.png").write_bytes(full.read_bytes()[:300])
    full.unlink()
    (root / "notes.png").write_text("this is not a picture\n")
    (root / "readme.txt").write_text("ignored: not an image suffix\n")


def test_mixed_folder_loads_every_readable_image_and_skips_broken_ones(tmp_path: Path) -> None:
    _mixed_folder(tmp_path)
    assert len(scan_images(tmp_path)) == 8  # readme.txt is not considered
    loaded = load_images(tmp_path, size=32)
    assert loaded.images.shape == (6, 3, 32, 32)  # colour somewhere, so 3 channels
    assert loaded.images.dtype == torch.uint8
    assert sorted((p.name, reason) for p, reason in loaded.skipped) == [
        ("notes.png", "not an image"), ("truncated.png", "truncated or corrupt")
    ]
    summary = loaded.summary()
    assert summary.startswith("6 images (colour, 32x32); skipped 2: ")
    assert f"1 not an image (e.g. {tmp_path / 'notes.png'})" in summary and "1 truncated or corrupt (e.g." in summary
    pixels = {p.name: loaded.images[i].permute(1, 2, 0).numpy().astype(int) for i, p in enumerate(loaded.paths)}
    # centre crop: the wide image's red middle third fills the whole square
    assert np.abs(pixels["wide.JPG"][4:-4, 4:-4] - (255, 0, 0)).max() < 30
    assert (pixels["clear.webp"] == 255).all()  # fully transparent -> white background
    assert (pixels["palette.gif"] == (0, 255, 0)).all()
    assert (pixels["sixteen.png"] == 255).all()  # 16-bit white stays white
    assert loaded.labels is None  # images sit at the top level too: no classes


def test_grey_conversion_and_class_labels_from_subfolders() -> None:
    loaded = load_images(SAMPLE, size=32)
    assert loaded.images.shape == (200, 1, 32, 32)  # the digits are grey: one channel chosen
    assert loaded.class_names == [str(d) for d in range(10)]
    assert loaded.labels.bincount().tolist() == [20] * 10
    assert all(p.parent.name == loaded.class_names[label] for p, label in zip(loaded.paths, loaded.labels.tolist()))
    colour = load_images(SAMPLE / "3", size=64, channels=3)
    assert colour.images.shape == (20, 3, 64, 64)
    assert (colour.images[:, 0] == colour.images[:, 2]).all()


def test_folders_without_usable_images_raise_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(ImageFolderError, match="no images"):
        load_images(tmp_path, size=32)
    (tmp_path / "a.png").write_text("text")
    with pytest.raises(ImageFolderError, match=r"none of the 1 image files .* could be read \(not an image\)"):
        load_images(tmp_path, size=32)

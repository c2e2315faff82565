"""What a run leaves behind: config.json, metrics.jsonl, samples, loss.png, checkpoints/last.pt."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from midigan.core.checkpoint import load_checkpoint
from midigan.core.png import write_png
from midigan.core.rundir import newest_run, next_run_dir


def test_run_folder_contents(trained_ring_run):
    config = json.loads((trained_ring_run / "config.json").read_text())
    assert config["family"] == {"name": "ring", "config": {"latent": 8, "hidden": 16, "layers": 3}}
    assert config["train"]["max_steps"] == 20 and config["train"]["loss"] == "ns"

    records = [json.loads(line) for line in (trained_ring_run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [5, 10, 15, 20]
    for record in records:
        assert record["phase"] == "adversarial"
        assert set(record["losses"]) == {"d", "g"}
        assert 0 < record["d_real"] < 1 and 0 < record["d_fake"] < 1
        assert record["steps_per_s"] > 0

    samples = sorted(p.name for p in (trained_ring_run / "samples").iterdir())
    assert samples == ["step-000010.pt", "step-000020.pt"]

    with Image.open(trained_ring_run / "loss.png") as plot:
        pixels = np.asarray(plot.convert("RGB"))
    assert pixels.shape == (320, 640, 3)
    assert (pixels[1:-1, 1:-1] != 255).any(axis=2).sum() > 600  # curves were drawn inside the frame

    assert load_checkpoint(trained_ring_run / "checkpoints" / "last.pt")["step"] == 20


@pytest.mark.parametrize("shape", [(5, 7), (4, 6, 3)])
def test_png_round_trips_through_pillow(tmp_path, shape):
    image = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    write_png(tmp_path / "x.png", image)
    with Image.open(tmp_path / "x.png") as decoded:
        assert np.array_equal(np.asarray(decoded), image)


def test_run_folders_are_numbered(tmp_path):
    assert next_run_dir(tmp_path, "folk") == tmp_path / "folk-1"
    assert newest_run(tmp_path, "folk") is None
    for number in (1, 2, 10):
        (tmp_path / f"folk-{number}").mkdir()
    (tmp_path / "folk-x").mkdir()
    assert next_run_dir(tmp_path, "folk") == tmp_path / "folk-11"
    assert newest_run(tmp_path, "folk") == tmp_path / "folk-10"


def test_newest_run_of_a_family_needs_its_checkpoint(tmp_path):
    def run(name: str, family: str, checkpoint: bool) -> Path:
        folder = tmp_path / name
        (folder / "checkpoints").mkdir(parents=True)
        (folder / "config.json").write_text(json.dumps({"family": {"name": family}}))
        if checkpoint:
            (folder / "checkpoints" / "last.pt").write_bytes(b"x")
        return folder

    older = run("tunes-1", "music-seq", checkpoint=True)
    run("pictures-1", "dcgan", checkpoint=True)
    run("tunes-2", "music-seq", checkpoint=False)  # crashed before its first checkpoint
    (tmp_path / "notes").mkdir()
    assert newest_run(tmp_path, family="music-seq") == older
    assert newest_run(tmp_path, family="ring") is None

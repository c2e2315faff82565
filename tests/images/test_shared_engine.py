"""The engine is shared: pictures and tunes are trained by the same Trainer code, and the engine
itself knows nothing about pictures (no PIL, no imagegan)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import torch
from click.testing import CliRunner
from support import ROOT

import midigan.core
from imagegan.cli import main as imagegan_main
from midigan.core.config import TrainConfig
from midigan.core.trainer import Trainer

CORE = Path(midigan.core.__file__).parent


def test_images_and_music_drive_the_same_trainer_step(tmp_path: Path, monkeypatch) -> None:
    from midigan.midi.reader import read
    from midigan.music.melody.encoding import encode_songs
    from midigan.music.melody.model import MusicSeqFamily
    families: list[str] = []
    original_step = Trainer._adversarial_step

    def spy(self):
        families.append(self.family.name)
        return original_step(self)

    monkeypatch.setattr(Trainer, "_adversarial_step", spy)

    done = CliRunner().invoke(
        imagegan_main,
        ["train", str(ROOT / "data" / "images"), "--size", "32", "--max-steps", "2", "--batch-size", "8",
         "--run-dir", str(tmp_path / "digits"), "--device", "cpu"],
        catch_exceptions=False,
    )
    assert done.exit_code == 0, done.output

    songs = [read(path) for path in sorted((ROOT / "data" / "midi" / "folk").glob("*.mid"))[:20]]
    tunes = encode_songs(songs, window=16)
    family = MusicSeqFamily(tunes.vocabulary, window=16, hidden=16, layers=1, d_width=16)
    config = TrainConfig(run_dir=str(tmp_path / "folk"), max_steps=2, batch_size=8, device="cpu", progress=False)
    Trainer(family, torch.from_numpy(tunes.windows), config).fit()

    assert families == ["dcgan", "dcgan", "music-seq", "music-seq"]


def test_the_engine_imports_no_pil_and_no_image_code() -> None:
    modules = sorted(f"midigan.core.{path.stem}" for path in CORE.glob("*.py") if path.stem != "__init__")
    script = ("import sys\n" + "".join(f"import {m}\n" for m in modules)
              + "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PIL', 'imagegan')))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    for path in CORE.glob("*.py"):  # nor lazily, inside functions
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(name.split(".")[0] in ("PIL", "imagegan") for name in names), f"{path.name} imports {names}"

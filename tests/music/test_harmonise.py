"""Harmonising with the shipped chorales model: the parts it writes around the soprano lines of
chorales it never trained on fit them as Bach's own parts do."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from click.testing import CliRunner
from support import CHORALES_HELD_OUT as HELD_OUT

from midigan.cli import main
from midigan.metrics.polyphony import consonance_with_melody
from midigan.midi import read, write

# held out of the shipped model's training by benchmarks/polyphony_quality.py's fixed split


def test_the_shipped_chorales_model_harmonises_unseen_melodies_as_consonantly_as_bach(tmp_path: Path) -> None:
    generated, real = [], []
    for chorale in sorted(HELD_OUT.glob("*.mid")):
        melody = tmp_path / f"{chorale.stem}-soprano.mid"
        write(read(chorale).melody(), melody)
        out = tmp_path / f"{chorale.stem}-harmonised.mid"
        made = CliRunner().invoke(main, ["generate", "--model", "chorales", "--melody", str(melody), "--seed", "1", str(out)])
        assert made.exit_code == 0, made.output
        harmonised = read(out)
        assert len(np.unique(harmonised.notes["track"])) == 4
        generated.append(consonance_with_melody(harmonised))
        real.append(consonance_with_melody(read(chorale)))
    assert len(generated) == 8
    assert abs(np.mean(generated) - np.mean(real)) <= 0.05, (generated, real)

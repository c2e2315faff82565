"""Files written whole: an interrupt mid-write leaves the old file, or none, and no half file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from midigan.core.files import written_whole
from midigan.table.reading import write_table


def test_an_interrupted_write_leaves_the_old_file_and_no_partial_one(tmp_path: Path) -> None:
    target = tmp_path / "rows.csv"
    target.write_text("old\n")
    with pytest.raises(KeyboardInterrupt), written_whole(target) as temporary:
        temporary.write_text("half of the ne")
        raise KeyboardInterrupt
    assert target.read_text() == "old\n" and [path.name for path in tmp_path.iterdir()] == ["rows.csv"]
    with written_whole(target) as temporary:
        assert temporary.suffix == ".csv" and temporary.parent == tmp_path  # writers that go by the suffix still do
        temporary.write_text("new\n")
    assert target.read_text() == "new\n" and [path.name for path in tmp_path.iterdir()] == ["rows.csv"]


def test_a_table_interrupted_while_written_is_not_left_half_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """table generate of 200,000 rows stopped by Ctrl-C left 134 of its 204 MB under the output's name."""
    def interrupted(self, path, **options):
        Path(path).write_text("a,b\n1,")
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_csv", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_table(pd.DataFrame({"a": [1], "b": [2]}), tmp_path / "out.csv")
    assert not list(tmp_path.iterdir())

"""Music models by name or place: the shipped ones, run folders, checkpoint files.

Why one place: `midigan generate`, the studio and the benchmarks all turn "what the user typed"
into a loaded model of whichever music family it is, and must agree on what a name means.
"""

from __future__ import annotations

from pathlib import Path

SHIPPED = {"folk": "folk.pt", "chorales": "chorales.pt", "melodies": "melodies.pt", "parts": "parts.pt"}  # name -> file in midigan/assets/
DEFAULT_SHIPPED = "folk"
FAMILY_NAMES = ("music-seq", "music-poly")


def shipped_model(name: str = DEFAULT_SHIPPED) -> Path:
    """The file of a model that comes inside the package."""
    from importlib.resources import files

    return Path(str(files("midigan") / "assets" / SHIPPED[name]))


def resolve_model(spec: str | Path | None, runs: str | Path = "runs") -> tuple[Path, str]:
    """(checkpoint file or run folder, how it was found) for a --model value: an existing path,
    a shipped model's name, or nothing (the newest music run under `runs`, else the folk model)."""
    from midigan.core.rundir import newest_run

    if spec is None:
        newest = newest_run(runs, family=FAMILY_NAMES)
        if newest is not None:
            return newest, "newest run"
        return shipped_model(), f"shipped {DEFAULT_SHIPPED} model"
    path = Path(spec)
    if not path.exists() and str(spec) in SHIPPED:
        return shipped_model(str(spec)), f"shipped {spec} model"
    return path, "model"


def load_music_model(path: str | Path, which: str = "best.pt"):
    """The `LoadedModel` of a music checkpoint or run folder, whichever music family it holds."""
    from midigan.core.checkpoint import load_model
    from midigan.core.errors import CheckpointError
    from midigan.core.rundir import read_run_config
    from midigan.music.melody.model import MusicSeqFamily
    from midigan.music.parts.model import PolyFamily

    if (read_run_config(path) or {}).get("family", {}).get("name") == "music-transfer":
        raise CheckpointError(f"{path} translates tunes and writes none of its own:"
                              f" midigan transfer apply --model {path} --to B in.mid out.mid")
    return load_model(path, (MusicSeqFamily, PolyFamily), which=which)

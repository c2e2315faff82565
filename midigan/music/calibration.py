"""How much of its probability a trained model of parts draws from, chosen on its own training pieces.

Why: nucleus sampling keeps the likeliest choices that hold `top_p` of the probability. Cutting the
tail spares a weakly trained model its rare wrong notes but makes a well trained one cautious:
fewer pitch classes per bar and narrower parts than real music. Which matters more depends on the
folder. On the same trained runs, drawing from everything (1.0) rather than 0.95 made chorales
harder to tell from Bach's (two-sample accuracy 0.81 against 0.87) and quartets trained on five
movements easier to tell from real ones (0.91 against 0.72). So once training ends, each candidate
share writes the validation's fresh pieces, and the share whose music metrics lie closest to the
training pieces' (the validation's Fréchet distance; no held-out piece is used) is stored with
the best checkpoint; `midigan generate` and the studio draw with it.

Melodies keep a fixed share (`midigan.music.nucleus.MELODY_TOP_P`): on the four runs of the folders the
defaults are tuned on, this rule picked 0.95 every time, where held-out tunes preferred 0.98. Their
durations are balanced instead (`midigan.music.rhythm`); `calibrate_sampling` does what a model's
family calls for, and `calibration_seconds` says how long it takes.
"""

from __future__ import annotations

import time
from pathlib import Path

import torch

from midigan.music.melody.model import MusicSeqFamily
from midigan.music.rhythm import ARTIFACT as DURATIONS
from midigan.music.rhythm import CHECKS_TIMED, calibrate_durations
from midigan.music.validation import MusicValidation

CANDIDATES = (0.95, 0.98, 1.0)
#: pieces drawn before the draw that is timed: timed cold, one draw of Ryan's 40 reels took 0.41 s, warm 0.26
WARM_UP = 4
ARTIFACT = "top_p"


def choose_top_p(validation: MusicValidation, generator: torch.nn.Module) -> tuple[float, dict[float, float]]:
    """(the candidate share whose fresh pieces lie closest to the training pieces, each one's distance)."""
    distances = {top_p: validation.distance(validation.fresh_pieces(generator, top_p=top_p)) for top_p in CANDIDATES}
    return min(distances, key=distances.__getitem__), distances


def calibration_seconds(validation: MusicValidation) -> float:
    """How long `calibrate_sampling` takes once training ends (a model of parts draws the validation's
    pieces once per candidate share; a melody model's balance, CHECKS_TIMED checks' worth), timed on
    one draw by an untrained generator (on a grid of parts as slow as a trained one; a melody model's
    writes fewer notes, which CHECKS_TIMED allows for): `midigan train` keeps this much of its budget."""
    draws = CHECKS_TIMED if _balances_durations(validation) else len(CANDIDATES)
    generator = validation.family.build_generator().eval()
    with torch.no_grad():
        validation.fresh_pieces(generator, samples=WARM_UP)  # a first draw pays for setting up, not drawing
        started = time.perf_counter()
        validation.fresh_pieces(generator)
    return draws * (time.perf_counter() - started)


def calibrate_sampling(path: str | Path, validation: MusicValidation) -> str:
    """Calibrate how the generator in checkpoint `path` draws, as its family calls for (a melody
    model's durations, a model of parts' share), store it there, and say so in one line."""
    return (calibrate_durations if _balances_durations(validation) else calibrate_checkpoint)(path, validation)


def calibrated(path: str | Path) -> bool:
    """Does checkpoint `path` hold its sampling's calibration? Training writes best.pt with the plan's
    artifacts only; `calibrate_sampling` adds a duration balance or a share once training stops."""
    from midigan.core.checkpoint import load_checkpoint

    return bool({DURATIONS, ARTIFACT} & load_checkpoint(path)["artifacts"].keys())


def _balances_durations(validation: MusicValidation) -> bool:
    return isinstance(validation.family, MusicSeqFamily)


def calibrate_checkpoint(path: str | Path, validation: MusicValidation) -> str:
    """Choose the share for the generator in checkpoint `path`, store it there, and say so in one line."""
    from midigan.core.checkpoint import add_artifacts
    from midigan.music.catalogue import load_music_model

    chosen, distances = choose_top_p(validation, load_music_model(path).generator)
    add_artifacts(path, {ARTIFACT: torch.tensor(chosen)})
    measured = ", ".join(f"{top_p:g}: {distance:.2f}" for top_p, distance in distances.items())
    return (f"sampling draws from the likeliest choices holding {chosen:.0%} of the probability"
            f" (distance to the training pieces at each share: {measured})")


def sampling_options(artifacts: dict[str, torch.Tensor], harmonising: bool = False) -> dict[str, float | torch.Tensor]:
    """What training stored about drawing as generation options: a melody model's duration scores
    (`midigan.music.rhythm`), a model of parts' share. No share for models without one (melodies,
    runs from before) and none when harmonising a given melody: the share was chosen on pieces the model
    writes alone, and under a fixed top line the rarer choices clash with it more often (consonance
    against the melody on eight held-out chorales: 0.822 at 0.95 against 0.803 at 0.98 for one run,
    0.827 against 0.814 for another; Bach 0.864)."""
    options: dict[str, float | torch.Tensor] = {DURATIONS: artifacts[DURATIONS]} if DURATIONS in artifacts else {}
    if ARTIFACT in artifacts and not harmonising:
        options["top_p"] = float(artifacts[ARTIFACT])
    return options

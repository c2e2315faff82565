"""Exceptions the engine raises; each message is one line a CLI can print as it is."""

from __future__ import annotations


class TrainingError(RuntimeError):
    """Training cannot go on (bad settings, mismatched resume, ...)."""


class NonFiniteLossError(TrainingError):
    """A loss became NaN or infinite; the last good checkpoint was left untouched."""


class CheckpointError(RuntimeError):
    """A checkpoint is missing, unreadable, unsafe, or of another model."""

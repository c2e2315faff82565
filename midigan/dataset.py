"""Kept so the documented `from midigan.dataset import prepare` works: datasets live in `midigan.midi.dataset`."""

from midigan.midi.dataset import prepare

__all__ = ["prepare"]

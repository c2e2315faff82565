"""Synthetic tables on midigan's adversarial engine: `from midigan.table import TableGAN`."""

from midigan.table.api import TableGAN

__all__ = ["TableGAN"]

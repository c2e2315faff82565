"""Synthetic time series on midigan's engine: read any series, train, generate, evaluate."""

from midigan.series.api import SeriesGAN

__all__ = ["SeriesGAN"]

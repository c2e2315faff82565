"""imagegan: DCGANs on any folder of images, trained by midigan's shared engine."""

from midigan import __version__

__all__ = ["__version__"]

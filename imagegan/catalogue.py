"""The image families a run folder may hold, found by the name stored in its checkpoint."""

from __future__ import annotations

ARCHITECTURES = {"dcgan": "dcgan", "progan": "progan"}  # --arch -> GANFamily.name
FAMILY_NAMES = tuple(ARCHITECTURES.values())


def image_families() -> tuple[type, ...]:
    """The family classes (importing torch), for loading any imagegan checkpoint."""
    from imagegan.models import DCGANFamily
    from imagegan.progan import ProGANFamily

    return DCGANFamily, ProGANFamily

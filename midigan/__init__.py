"""midigan: generative adversarial networks for music, on a training engine shared with images."""

__version__ = "0.1.0"

"""The adversarial training engine shared by music and images.

It knows tensors, modules, losses, devices and checkpoints, and nothing about music or pictures:
a model family (see `midigan.core.family.GANFamily`) brings those. Importing this package is cheap;
import the submodules (`midigan.core.trainer`, `midigan.core.checkpoint`, ...) for the real work.
"""

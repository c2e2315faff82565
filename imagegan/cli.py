"""The `imagegan` command: GANs on a folder of images, and translation between two folders."""

from __future__ import annotations

import click

from midigan import __version__
from midigan.core.lazycli import LazyGroup

# name -> "module:click command"; command modules import torch and friends only inside functions.
COMMANDS = {
    "train": "imagegan.commands.train:train",
    "generate": "imagegan.commands.generate:generate",
    "evaluate": "imagegan.commands.evaluate:evaluate",
    "transfer": "imagegan.commands.transfer:transfer",
}


@click.group(cls=LazyGroup, lazy_commands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="imagegan")
def main() -> None:
    """Train GANs on a folder of images and generate new ones, or translate between two folders."""

"""The `midigan` command: MIDI folders in, new tunes out."""

from __future__ import annotations

import click

from midigan import __version__
from midigan.core.lazycli import LazyGroup

# name -> "module:click command"; command modules import torch and friends only inside functions.
COMMANDS = {
    "prepare": "midigan.commands.prepare:prepare",
    "info": "midigan.commands.info:info",
    "train": "midigan.commands.train:train",
    "generate": "midigan.commands.generate:generate",
    "evaluate": "midigan.commands.evaluate:evaluate",
    "render": "midigan.commands.render:render",
    "studio": "midigan.commands.studio:studio",
    "transfer": "midigan.commands.transfer:transfer",
    "table": "midigan.commands.table:table",
    "series": "midigan.commands.series:series",
}


@click.group(cls=LazyGroup, lazy_commands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="midigan")
def main() -> None:
    """Train GANs on a folder of MIDI songs and generate new tunes."""

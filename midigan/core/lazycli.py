"""A click group whose subcommands are imported only when used, and whose usage errors take one line.

Why: `midigan --help` must answer in well under half a second, so neither torch nor the
subcommand modules are imported until a subcommand actually runs. Click prints a subcommand's
usage error (a missing argument, a file where a folder belongs) as the usage, a hint and the
error, three lines apart; every other error of these commands is one line, so these are too,
with the hint.
"""

from __future__ import annotations

import importlib

import click


class LazyGroup(click.Group):
    """Click group mapping command names to "module:attribute" strings, imported on demand."""

    def __init__(self, *args, lazy_commands: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy_commands))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy_commands:
            module_name, attribute = self.lazy_commands[name].split(":")
            return getattr(importlib.import_module(module_name), attribute)
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.exceptions.NoArgsIsHelpError:  # a group named alone (`midigan table`) shows its help
            raise
        except click.UsageError as error:
            hint = f" (see '{error.ctx.command_path} --help')" if error.ctx is not None else ""
            raise OneLineUsageError(error.format_message() + hint) from None


class OneLineUsageError(click.ClickException):
    """A usage error shown as `Error: ...` on one line, with click's exit status for usage errors."""

    exit_code = 2

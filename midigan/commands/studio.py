"""`midigan studio`: a local web page to generate, look, listen and try again."""

from __future__ import annotations

import click


@click.command()
@click.option("--model", help="Model chosen when the page opens: a shipped name (folk, chorales) or a run folder.")
@click.option("--port", type=click.IntRange(1, 65535), default=7860, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to serve on; only this machine can reach the default.")
@click.option("--runs", default="runs", show_default=True, help="Folder whose run folders the page lists.")
def studio(model: str | None, port: int, host: str, runs: str) -> None:
    """Open the studio: generate music and listen to it, translate a tune, watch a training run, look at images.

    Serves on http://127.0.0.1:7860 by default, with no share link and no analytics; it works
    with no network at all. Needs the studio extra: pip install -e '.[studio]'.
    """
    import importlib.util

    if importlib.util.find_spec("gradio") is None:
        raise click.ClickException("the studio needs Gradio, an optional extra: pip install -e '.[studio]'")
    import torch

    from midigan.studio.actions import Studio
    from midigan.studio.app import launch

    torch.set_num_threads(1)  # generation is a chain of tiny steps (see `midigan generate`)
    click.echo(f"midigan studio on http://{host}:{port} (Ctrl-C stops it)")
    try:
        launch(Studio(runs), model, host, port)
    except OSError as error:
        raise click.ClickException(f"cannot serve on {host}:{port}: {error.strerror or error}") from None

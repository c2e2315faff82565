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
    studio_state = Studio(runs)
    if model is not None:
        _check_model(studio_state, model)
    _check_address(host, port)
    click.echo(f"midigan studio on http://{host}:{port} (Ctrl-C stops it)")
    try:
        launch(studio_state, model, host, port)
    except OSError as error:
        raise click.ClickException(f"cannot serve on {host}:{port}: {error.strerror or error}") from None


def _check_model(studio, spec: str) -> None:
    """A --model the page could not write with is one line now, not a name in its list that fails
    there. Loaded by the studio itself, which keeps it for the page's first click."""
    from midigan.music.catalogue import resolve_model
    from midigan.studio.actions import StudioError

    if not resolve_model(spec, studio.runs)[0].exists():
        raise click.ClickException(f"--model {spec}: no such run folder or checkpoint, and no shipped model of that name")
    try:
        studio.model(spec)
    except StudioError as error:
        raise click.ClickException(f"--model {spec}: {error}") from None


def _check_address(host: str, port: int) -> None:
    """Bind the address once before the web server does: a port in use or a host that is no address
    here is one line naming --port or --host (the server's own messages advise its environment variables)."""
    import socket

    try:
        family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as error:
        raise click.ClickException(f"--host {host}: not an address ({error.strerror})") from None
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds it
        try:
            probe.bind(address)
        except OSError as error:
            raise click.ClickException(f"cannot serve on {host}:{port}: {error.strerror}; choose another --port") from None

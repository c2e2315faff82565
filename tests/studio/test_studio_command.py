"""`midigan studio` refuses what it cannot serve in one line, before starting the web server."""

from __future__ import annotations

import socket

from support import midigan as run
from support import one_line_error


def test_a_taken_port_a_bad_host_and_a_missing_model_are_one_line_each() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:  # the server's own message advised its environment variables
        port = taken.getsockname()[1]
        assert "choose another --port" in one_line_error(run("studio", "--port", port))
    assert "--host 256.1.1.1: not an address" in one_line_error(run("studio", "--host", "256.1.1.1"))
    assert "no such run folder or checkpoint" in one_line_error(run("studio", "--model", "nosuch"))  # was listed, then failed

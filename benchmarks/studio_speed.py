"""How long the studio takes from a Generate click to playable audio: 16 bars with the model
already loaded, measured through the page's own API (gradio_client), as a browser's click is.

    python benchmarks/studio_speed.py [--model folk] [--repeats 5]

Starts the studio on a free local port in this process, warms the model up with one click, then
times --repeats clicks (generation, MIDI, WAV rendering and piano roll included) and prints the
median and the slowest.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="folk")
    parser.add_argument("--repeats", type=int, default=5)
    arguments = parser.parse_args()
    import torch
    from gradio_client import Client

    from midigan.render.audio import fluidsynth_available
    from midigan.studio.actions import Studio
    from midigan.studio.app import launch

    torch.set_num_threads(1)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    page = launch(Studio("runs", tempfile.mkdtemp()), arguments.model, "127.0.0.1", port, block=False)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        click = (arguments.model, 16, 1, "as trained", 120, 1.0)
        client.predict(*click, 0, None, api_name="/generate")  # loads the model
        times = []
        for seed in range(1, arguments.repeats + 1):
            started = time.perf_counter()
            client.predict(*click, seed, None, api_name="/generate")
            times.append(time.perf_counter() - started)
    finally:
        page.close()
    synth = "FluidSynth" if fluidsynth_available() else "the built-in synthesizer"
    print(f"Generate click to playable audio, 16 bars of the {arguments.model} model, audio by {synth}: "
          f"median {statistics.median(times):.2f} s, slowest {max(times):.2f} s over {len(times)} clicks")


if __name__ == "__main__":
    main()

"""The studio page: generate and listen, translate a tune, watch a run, look at images; Gradio
widgets wired to `midigan.studio.actions`.

Why Gradio: it is what the ML world uses for exactly this (a form, a button, audio and pictures),
serves its page and assets itself with no network, and can be driven from Python by
`gradio_client` and from a real browser in tests. It is an optional extra: `midigan studio`
imports it only when started.
"""

from __future__ import annotations

import importlib
import os
import random
from pathlib import Path

from midigan.studio.actions import KEYS, MAX_BARS, MAX_VARIATIONS, Studio, StudioError

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported: no telemetry, ever

import gradio as gr  # noqa: E402  (the environment above must be set first)

REFRESH_SECONDS = 5.0
IMAGE_TABS = "imagegan.studio"  # contributes the images tab, when the image half is installed


def build(studio: Studio, default_model: str | None = None) -> gr.Blocks:
    """The page, with its actions exposed to `gradio_client` as /generate, /translate, /watch and /new_seed."""
    models = studio.model_names()
    with gr.Blocks(title="midigan studio", analytics_enabled=False) as page:
        gr.Markdown("# midigan studio\nWrite new music with a trained model, listen, and try again.")
        with gr.Tab("Generate"):
            _generate_tab(studio, models, default_model or models[0])
        with gr.Tab("Translate a tune"):
            _translate_tab(studio)
        with gr.Tab("Watch a run"):
            _watch_tab(studio)
        try:
            importlib.import_module(IMAGE_TABS).images_tab(studio.runs, studio.scratch)
        except ImportError:
            pass
    return page


def _generate_tab(studio: Studio, models: list[str], default_model: str) -> None:
    with gr.Row():
        with gr.Column(scale=1):
            model = gr.Dropdown(models, value=default_model, label="Model", allow_custom_value=True)
            bars = gr.Slider(1, MAX_BARS, value=16, step=1, label="Bars")
            variations = gr.Slider(1, MAX_VARIATIONS, value=1, step=1, label="Variations")
            key = gr.Dropdown(list(KEYS), value=KEYS[0], label="Key")
            tempo = gr.Slider(40, 240, value=120, step=1, label="Tempo (quarter notes per minute)")
            temperature = gr.Slider(0.5, 1.5, value=1.0, step=0.05, label="Temperature (lower: safer, higher: wilder)")
            with gr.Row():
                seed = gr.Number(value=1, precision=0, label="Seed")
                new_seed = gr.Button("New seed", elem_id="new-seed")
            primer = gr.File(label="Primer to continue (optional MIDI file)", file_types=[".mid", ".midi"], type="filepath",
                             elem_id="primer")
            go = gr.Button("Generate", variant="primary", elem_id="generate")
            status = gr.Markdown(elem_id="status")
        with gr.Column(scale=2):
            slots = []
            for index in range(MAX_VARIATIONS):
                shown = index == 0
                roll = gr.Image(label=f"Piece {index + 1}", type="filepath", interactive=False, visible=shown,
                                elem_id=f"roll-{index}")
                audio = gr.Audio(label="Listen", type="filepath", interactive=False, visible=shown, elem_id=f"audio-{index}")
                files = gr.File(label="Download MIDI and WAV", file_count="multiple", interactive=False, visible=shown,
                                elem_id=f"files-{index}")
                again = gr.Button("Continue from this piece", visible=shown, elem_id=f"continue-{index}")
                slots.append((roll, audio, files, again))

    def generate(model_name, bar_count, count, key_name, qpm, heat, seed_value, primer_file):
        try:
            results = studio.generate(model_name, bar_count, count, key_name, qpm, heat, seed_value, primer_file)
        except StudioError as error:
            raise gr.Error(str(error)) from None
        outputs = []
        for index in range(MAX_VARIATIONS):
            result = results[index] if index < len(results) else None
            shown = result is not None
            outputs += [gr.update(value=str(result.png) if shown else None, visible=shown),
                        gr.update(value=str(result.wav) if shown else None, visible=shown),
                        gr.update(value=[str(result.midi), str(result.wav)] if shown else None, visible=shown),
                        gr.update(visible=shown)]
        note = f"Wrote {len(results)} piece{'s' if len(results) > 1 else ''} of {results[0].bars} bars."
        return [*outputs, note]

    result_outputs = [component for slot in slots for component in slot]
    go.click(generate, inputs=[model, bars, variations, key, tempo, temperature, seed, primer],
             outputs=[*result_outputs, status], api_name="generate")
    new_seed.click(lambda: random.randint(0, 2**31 - 1), outputs=seed, api_name="new_seed")
    for _, _, files, again in slots:
        # the piece's MIDI file becomes the primer of the next click, which writes 8 bars more
        again.click(lambda paths, length: (paths[0] if paths else None, min(MAX_BARS, int(length) + 8)),
                    inputs=[files, bars], outputs=[primer, bars])


def _translate_tab(studio: Studio) -> None:
    runs = studio.transfer_runs()
    with gr.Row():
        with gr.Column(scale=1):
            run = gr.Dropdown(runs, value=runs[0] if runs else None, label="Transfer run (midigan transfer train A B)",
                              allow_custom_value=True)
            target = gr.Radio(["B", "A"], value="B", label="Into the pitch language of collection")
            tune = gr.File(label="Tune to translate (MIDI file)", file_types=[".mid", ".midi"], type="filepath")
            go = gr.Button("Translate", variant="primary")
            status = gr.Markdown()
        with gr.Column(scale=2):
            roll = gr.Image(label="The tune (first colour) and its translation", type="filepath", interactive=False)
            audio = gr.Audio(label="Listen to the translation", type="filepath", interactive=False)
            files = gr.File(label="Download MIDI and WAV", file_count="multiple", interactive=False)

    def translate(folder, to, upload):
        if not folder:
            raise gr.Error("Pick a transfer run (runs/<name>), or train one: `midigan transfer train A_DIR B_DIR`.")
        try:
            result = studio.translate(folder, to, upload)
        except StudioError as error:
            raise gr.Error(str(error)) from None
        note = f"Translated {result.bars} bars into {to}: same rhythm and bars, {to}'s pitches."
        return str(result.png), str(result.wav), [str(result.midi), str(result.wav)], note

    go.click(translate, inputs=[run, target, tune], outputs=[roll, audio, files, status], api_name="translate")


def _watch_tab(studio: Studio) -> None:
    runs = studio.run_folders()
    run = gr.Dropdown(runs, value=runs[0] if runs else None, label="Run folder", allow_custom_value=True)
    refresh = gr.Button("Refresh")
    with gr.Row():
        plot = gr.Image(label="Losses (solid) and validation (dotted)", type="filepath", interactive=False)
        figures = gr.Markdown()
    samples = [gr.Audio(label=f"Sample {index + 1}", type="filepath", interactive=False) for index in range(4)]

    def watch(folder):
        if not folder:
            return [None, "Pick a run folder (runs/<name>), or train one: `midigan train songs/`.", *[None] * len(samples)]
        try:
            loss_plot, text, wavs = studio.watch(folder)
        except StudioError as error:
            return [None, str(error), *[None] * len(samples)]
        wavs = [str(wav) for wav in wavs] + [None] * (len(samples) - len(wavs))
        return [str(loss_plot) if loss_plot else None, text, *wavs[: len(samples)]]

    outputs = [plot, figures, *samples]
    refresh.click(watch, inputs=run, outputs=outputs, api_name="watch")
    run.change(watch, inputs=run, outputs=outputs)
    gr.Timer(REFRESH_SECONDS).tick(watch, inputs=run, outputs=outputs)


def launch(studio: Studio, default_model: str | None, host: str, port: int, block: bool = True):
    """Serve the page on host:port (no share link); returns the running page."""
    page = build(studio, default_model)
    page.launch(server_name=host, server_port=port, share=False, prevent_thread_lock=not block, show_error=False,
                max_file_size="2mb", allowed_paths=[str(studio.scratch), str(Path(studio.runs).resolve())])
    return page

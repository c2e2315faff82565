"""`midigan render`: listen to a MIDI file."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("midi_file", type=click.Path(exists=True, dir_okay=False))
@click.argument("out_wav", type=click.Path(dir_okay=False, writable=True))
@click.option("--synth", type=click.Choice(["auto", "fluidsynth", "builtin"]), default="auto", show_default=True,
              help="auto: FluidSynth with a General MIDI soundfont when installed, else the built-in synthesizer.")
@click.option("--sample-rate", default=44100, show_default=True, type=click.IntRange(8000, 192000))
@click.option("--pianoroll", type=click.Path(dir_okay=False, writable=True), help="Also draw the piano roll as this PNG.")
def render(midi_file: str, out_wav: str, synth: str, sample_rate: int, pianoroll: str | None) -> None:
    """Render MIDI_FILE to the audio file OUT_WAV (WAV)."""
    if not out_wav.lower().endswith(".wav"):
        raise click.ClickException(f"{out_wav}: render writes WAV audio; name the output .wav")
    from midigan.core.command import writing
    from midigan.core.files import written_whole
    from midigan.midi import MidiReadError, read
    from midigan.render.audio import render as render_audio

    try:
        song = read(midi_file)
        # each file whole, in a folder made for it: Ctrl-C in a long piece left half a WAV, and a
        # piano roll for a folder not there yet ended in a traceback
        with writing(Path(out_wav)), written_whole(out_wav) as temporary:
            used = render_audio(midi_file, temporary, sample_rate=sample_rate, synth=synth)
    except (MidiReadError, RuntimeError) as error:
        raise click.ClickException(f"{midi_file}: {error}") from None
    if pianoroll:
        from midigan.render.pianoroll import write_pianoroll_png

        with writing(Path(pianoroll)), written_whole(pianoroll) as temporary:
            write_pianoroll_png(song, temporary)
    click.echo(f"wrote {out_wav} ({used})")

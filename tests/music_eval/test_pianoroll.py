"""Piano-roll pictures: notes at their pitch and time, bar lines where the meter puts them."""

from __future__ import annotations

import numpy as np
from PIL import Image
from support import BACH, make_song

from midigan.midi import read
from midigan.render import pianoroll as roll


def test_notes_and_bar_lines_land_where_they_belong(tmp_path):
    song = make_song([(60, 0, 24), (72, 48, 48)], meter=(2, 4))  # four 2/4 bars of 24 steps
    image = roll.pianoroll_image(song)
    low, high = roll._pitch_span(song)
    assert image.shape == ((high - low + 1) * roll.ROW_PIXELS, 4 * 4 * roll.PIXELS_PER_BEAT // 2, 3)
    x_per_step = roll.PIXELS_PER_BEAT / 12

    def row(pitch: int) -> int:
        return (high - pitch) * roll.ROW_PIXELS + 1

    assert tuple(image[row(60), int(10 * x_per_step)]) == roll._TRACK_COLOURS[0]  # middle C sounds at step 10
    assert tuple(image[row(60), int(30 * x_per_step)]) != roll._TRACK_COLOURS[0]  # ...and has ended at 30
    assert tuple(image[row(72), int(60 * x_per_step)]) == roll._TRACK_COLOURS[0]
    for bar_start in (0, 24, 48, 72):
        assert tuple(image[row(66), int(bar_start * x_per_step)]) == roll._BAR_LINE


def test_written_png_has_the_image_size_and_tracks_get_colours(tmp_path):
    song = read(sorted(BACH.glob("*.mid"))[0])
    roll.write_pianoroll_png(song, tmp_path / "roll.png")
    with Image.open(tmp_path / "roll.png") as picture:
        pixels = np.asarray(picture.convert("RGB"))
    assert pixels.shape == roll.pianoroll_image(song).shape
    colours = {tuple(c) for c in pixels.reshape(-1, 3)}
    assert len(set(roll._TRACK_COLOURS[:4]) & colours) == 4  # four voices, four colours

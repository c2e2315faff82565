"""Every studio action through gradio_client, as a program would use the page, bad uploads included."""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
import pytest
from support import FOLK

from midigan.midi import read

gradio_client = pytest.importorskip("gradio_client")



@pytest.fixture(scope="module")
def client(studio_url):
    return gradio_client.Client(studio_url, verbose=False)


def _value(output):
    """A component's value, whether the page sent it plainly or inside a visibility update."""
    return output.get("value") if isinstance(output, dict) and "__type__" in output else output


def test_generate_writes_pieces_to_play_look_at_and_download(client) -> None:
    outputs = client.predict("folk", 4, 2, "G", 100, 1.0, 7, None, api_name="/generate")
    *slots, status = outputs  # per piece: roll, audio, files (the page's buttons are not API outputs)
    assert "2 pieces of 4 bars" in status
    for index in range(2):
        roll, audio, files = slots[3 * index: 3 * index + 3]
        assert Path(_value(roll)).read_bytes().startswith(b"\x89PNG")
        assert Path(_value(audio)).stat().st_size > 1000
        midi = next(Path(f) for f in _value(files) if str(f).endswith(".mid"))
        song = read(midi)
        assert song.n_bars == 4 and song.key_signatures[0][1] in ("G", "Gm")
    assert _value(slots[6]) is None  # the third slot stays empty


def test_a_primer_upload_is_continued_and_kept(client, tmp_path: Path) -> None:
    primer = next(p for p in sorted(FOLK.glob("*.mid"))
                  if read(p).time_signatures[0][1:] == (4, 4) and read(p).bar_starts()[1] == read(p).bar_length())
    outputs = client.predict("folk", 6, 1, "as trained", 120, 1.0, 3, gradio_client.handle_file(str(primer)), api_name="/generate")
    files = _value(outputs[2])
    song = read(next(Path(f) for f in files if str(f).endswith(".mid")))
    given = read(primer).melody().slice_bars(0, min(6, read(primer).n_bars))
    join = min(6, given.n_bars) * song.bar_length()
    kept = song.notes[song.notes["onset"] < join][["pitch", "onset", "duration"]].tolist()
    assert sorted(kept) == sorted(given.notes[["pitch", "onset", "duration"]].tolist())


@pytest.mark.parametrize("content, message", [(np.random.default_rng(0).bytes(3000), "not a MIDI file midigan can read"),
                                               (b"MThd" + bytes(1_200_000), "must be under")])
def test_a_broken_or_huge_upload_gets_a_message_not_a_traceback(client, tmp_path: Path, content: bytes, message: str) -> None:
    upload = tmp_path / "upload.mid"
    upload.write_bytes(content)
    with pytest.raises(Exception) as raised:
        client.predict("folk", 4, 1, "as trained", 120, 1.0, 1, gradio_client.handle_file(str(upload)), api_name="/generate")
    assert message in str(raised.value) or "maximum allowed file size" in str(raised.value).lower()
    assert "Traceback" not in str(raised.value)


def test_translating_a_tune_keeps_its_rhythm_and_shows_it_above_the_translation(client, runs: Path) -> None:
    from midigan.music.transfer.model import encode_tune, translation_picture
    from midigan.render.pianoroll import pianoroll_image

    tune = next(FOLK.glob("essen_erk*.mid"))
    roll, audio, files, status = client.predict(str(runs / "erk-to-han-1"), "B", gradio_client.handle_file(str(tune)),
                                                api_name="/translate")
    translated, melody = read(next(Path(f) for f in files if str(f).endswith(".mid"))), read(tune).melody()
    assert translated.notes["onset"].tolist() == melody.notes["onset"].tolist()
    assert translated.notes["duration"].tolist() == melody.notes["duration"].tolist()
    assert translated.n_bars == read(tune).n_bars and f"{translated.n_bars} bars into B" in status
    assert Path(audio).stat().st_size > 1000
    height = int.from_bytes(Path(roll).read_bytes()[20:24], "big")  # the PNG header's height
    assert height == translation_picture(encode_tune(read(tune)), translated).shape[0] > pianoroll_image(translated).shape[0] + 2


def test_a_model_that_does_not_translate_gets_a_message_not_a_traceback(client, runs: Path) -> None:
    tune = gradio_client.handle_file(str(next(FOLK.glob("essen_erk*.mid"))))
    with pytest.raises(Exception) as raised:
        client.predict(str(runs / "folk-1"), "B", tune, api_name="/translate")
    assert "not a music-transfer model" in str(raised.value) and "Traceback" not in str(raised.value)


def test_a_new_seed_is_a_number(client) -> None:
    first, second = (client.predict(api_name="/new_seed") for _ in range(2))
    assert isinstance(first, (int, float)) and first != second


def test_watching_a_run_shows_its_plot_figures_and_samples(client, runs: Path) -> None:
    plot, figures, *samples = client.predict(str(runs / "folk-1"), api_name="/watch")
    assert Path(_value(plot)).read_bytes().startswith(b"\x89PNG")
    assert "step 4" in _value(figures) and "losses" in _value(figures) and "validation" in _value(figures)
    assert Path(_value(samples[0])).stat().st_size > 1000
    _, images_figures, *_ = client.predict(str(runs / "digits-1"), api_name="/watch")
    assert "augmentation probability 0.00" in _value(images_figures)  # imagegan runs adapt their augmentation


def test_the_images_tab_draws_a_grid_in_the_studios_scratch_folder(client, runs: Path, scratch: Path) -> None:
    before = set(scratch.glob("grid-*.png"))
    grid = client.predict(str(runs / "digits-1"), 3, 6, api_name="/images")
    assert Path(_value(grid)).read_bytes().startswith(b"\x89PNG")
    assert len(set(scratch.glob("grid-*.png")) - before) == 1


def test_a_studio_removes_the_scratch_folder_it_made_and_keeps_one_it_was_given(runs: Path, tmp_path: Path) -> None:
    from midigan.studio.actions import Studio

    made = Studio(runs)
    own = made.scratch
    (own / "piece.mid").write_bytes(b"MThd")
    assert own.is_dir()
    del made
    gc.collect()
    assert not own.exists()
    given = Studio(runs, tmp_path)
    del given
    gc.collect()
    assert tmp_path.is_dir()

"""Generated tunes sit in the keys (and so the register) of the folder's tunes, not in C major / A minor."""

from __future__ import annotations

from support import make_song, quarters

from midigan.music.catalogue import load_music_model, shipped_model
from midigan.music.keys import HomeKeys


def test_tunes_are_written_in_the_folders_keys_drawn_as_often_as_the_folder_has_them() -> None:
    in_d = [make_song(quarters([62, 64, 66, 67, 69, 71, 73, 74]), key_signatures=[(0, "D")]) for _ in range(3)]
    in_g = make_song(quarters([67, 69, 71, 72, 74, 76, 78, 79]), key_signatures=[(0, "G")])
    home = HomeKeys.from_songs([*in_d, in_g])
    assert abs(home.draw(4000, seed=1).count(2) / 4000 - 0.75) < 0.03
    assert HomeKeys.from_artifacts(home.artifacts()).counts.tolist() == home.counts.tolist()
    model = load_music_model(shipped_model("folk"))
    only_d = HomeKeys.from_songs(in_d)
    tunes = model.family.generate(model.generator, 8, 6, seed=0, home_keys=only_d)
    plain = model.family.generate(model.generator, 8, 6, seed=0)
    for tune, in_c in zip(tunes, plain):
        assert tune.key_signatures[0][1] in ("D", "Bm")
        assert (tune.notes["pitch"] - in_c.notes["pitch"]).tolist() == [2] * len(tune.notes)

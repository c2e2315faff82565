"""A melody model chooses each duration from the place in the bar as well (a dotted eighth on the
beat, the sixteenth after it); models from before did not, and still load and resume."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from midigan.music.catalogue import load_music_model, shipped_model
from midigan.music.melody.encoding import Vocabulary
from midigan.music.melody.model import MusicSeqFamily

VOCABULARY = Vocabulary(12, (4, 4), 60, 72, (3, 6, 9, 12, 24))


def test_the_duration_scores_change_with_the_place_in_the_bar() -> None:
    torch.manual_seed(0)
    generator = MusicSeqFamily(VOCABULARY, hidden=16, layers=1, position_durations=True).build_generator()
    hidden, pitch = torch.randn(1, 16), F.one_hot(torch.tensor([3]), VOCABULARY.n_pitches).float()
    on_the_beat, after_a_dotted_eighth = (F.one_hot(torch.tensor([step]), VOCABULARY.bar_length).float() for step in (0, 9))
    assert not torch.allclose(generator.duration_logits(hidden, pitch, on_the_beat),
                              generator.duration_logits(hidden, pitch, after_a_dotted_eighth))


def test_a_model_from_before_keeps_its_config_and_its_durations_ignore_the_place() -> None:
    model = load_music_model(shipped_model("folk"))
    assert "position_durations" not in model.family.config() and not model.generator.position_durations
    new = MusicSeqFamily(VOCABULARY, hidden=16, layers=1, position_durations=True)
    assert MusicSeqFamily.from_config(new.config()).position_durations

"""The music-seq family's contract with the engine, on windows of real folk tunes."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from support import FOLK

from midigan.core.checkpoint import load_generator, make_checkpoint, save_checkpoint
from midigan.core.runstate import RunState
from midigan.midi import read
from midigan.music.form import Forms, form_artifacts
from midigan.music.melody.encoding import REST_TOKEN, encode_songs
from midigan.music.melody.model import MusicSeqFamily, output_tokens


def _family_and_batch() -> tuple[MusicSeqFamily, torch.Tensor]:
    encoded = encode_songs([read(path) for path in sorted(FOLK.glob("*.mid"))], window=16, meter=(4, 4))
    family = MusicSeqFamily(encoded.vocabulary, window=16, hidden=32, layers=1, embed=8)
    return family, torch.from_numpy(encoded.windows[:8])


def test_real_and_fake_look_alike_to_the_discriminator_and_rows_come_back() -> None:
    torch.manual_seed(0)
    family, batch = _family_and_batch()
    generator, discriminator = family.build_generator(), family.build_discriminator()
    real = family.real_input(batch)
    fake = family.fake_input(generator(family.sample_noise(8, torch.device("cpu"))))
    assert real.shape == fake.shape and real.dtype == fake.dtype
    assert discriminator(real).shape == (8,)
    # the fakes are hard one-hots whose positions follow their durations, like real windows
    rows = output_tokens(fake, family.vocabulary)
    assert torch.equal(fake.sum(-1), torch.full((8, 16), 3.0))
    lengths = torch.tensor(family.vocabulary.durations)[rows[:, :-1, 1]]
    assert torch.equal((rows[:, :-1, 2] + lengths) % 48, rows[:, 1:, 2])
    assert torch.equal(output_tokens(real, family.vocabulary), batch[:, 1:, :3])
    # gradients reach the generator through the relaxed one-hots and through the MLE anchor
    loss = discriminator(fake).mean() + family.generator_aux_loss(generator, discriminator, fake, batch)
    loss.backward()
    assert generator.pitch_head.weight.grad.abs().sum() > 0


def test_fixed_noise_gives_fixed_tunes_and_a_checkpoint_alone_rebuilds_the_generator(tmp_path: Path) -> None:
    family, _ = _family_and_batch()
    generator = family.build_generator().eval()
    noise = family.sample_noise(4, torch.device("cpu"), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        first, again = generator(noise), generator(noise)
    assert torch.equal(first, again)
    discriminator = family.build_discriminator()
    optimizer = torch.optim.Adam(generator.parameters())
    state = RunState(generator, discriminator, generator, optimizer, optimizer)
    save_checkpoint(make_checkpoint(family, state, {}, {}), tmp_path / "last.pt")
    loaded_family, loaded = load_generator(tmp_path / "last.pt", MusicSeqFamily)
    assert loaded_family.vocabulary == family.vocabulary
    with torch.no_grad():
        assert torch.equal(loaded(noise), first)


def test_a_length_aware_generator_reads_each_tune_length_and_older_models_stay_as_they_were() -> None:
    torch.manual_seed(0)
    songs = [read(path) for path in sorted(FOLK.glob("*.mid"))]
    encoded = encode_songs(songs, window=16, meter=(4, 4))
    family = MusicSeqFamily(encoded.vocabulary, window=16, hidden=32, layers=1, embed=8, tune_bars=(8, 32))
    generator = family.build_generator().eval()
    batch, z = torch.from_numpy(encoded.windows[:8]), torch.zeros(8, 16, family.noise_dim)

    def pitch_logits(bars: int) -> torch.Tensor:
        rows = batch.clone()
        rows[..., 3] = bars
        return generator.teacher_forced(rows, z)[0]

    assert not torch.allclose(pitch_logits(8), pitch_logits(32))
    assert torch.equal(pitch_logits(64), pitch_logits(32))  # beyond the training tunes: the longest they had
    # free-running tunes take the length of the training tune whose form they follow
    family.forms = Forms.from_artifacts(form_artifacts(songs))
    noise = family.sample_noise(6, torch.device("cpu"))
    assert set(noise[:, 0, -1].tolist()) <= {float(len(form)) for form in family.forms.forms}
    assert generator(noise).shape[:2] == (6, 16)
    # the length travels in the config; a model from before it builds the generator it was trained with
    assert MusicSeqFamily.from_config(json.loads(json.dumps(family.config()))).tune_bars == (8, 32)
    older = {name: value for name, value in family.config().items() if name != "tune_bars"}
    assert MusicSeqFamily.from_config(older).build_generator().lstm.input_size == generator.lstm.input_size - 1


def test_interval_scores_are_shared_by_every_pitch_and_leave_rests_and_the_start_alone() -> None:
    family, batch = _family_and_batch()
    family.interval_scores = True
    generator = family.build_generator().eval()
    hidden = torch.zeros(1, family.hidden)
    with torch.no_grad():
        generator.interval_score[generator.n_pitches - 2 + 2] = 10.0  # a whole tone up
    for previous in range(1, generator.n_pitches - 2):
        one_hot = torch.nn.functional.one_hot(torch.tensor([previous]), generator.n_pitches + 1).float()
        assert generator.pitch_logits(hidden, one_hot).argmax().item() == previous + 2
    for not_a_pitch in (REST_TOKEN, generator.n_pitches):  # after a rest and at the start: the head alone
        one_hot = torch.nn.functional.one_hot(torch.tensor([not_a_pitch]), generator.n_pitches + 1).float()
        assert torch.equal(generator.pitch_logits(hidden, one_hot), generator.pitch_head(hidden))
    # teacher forcing and free running both go through it
    pitch_logits, _ = generator.teacher_forced(batch, torch.zeros(8, 16, family.noise_dim))
    assert pitch_logits.shape == (8, 16, generator.n_pitches)
    assert generator(family.sample_noise(2, torch.device("cpu"))).shape[:2] == (2, 16)

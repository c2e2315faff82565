"""The music-seq family's contract with the engine, on windows of real folk tunes."""

from __future__ import annotations

from pathlib import Path

import torch

from midigan.core.checkpoint import load_generator, make_checkpoint, save_checkpoint
from midigan.midi import read
from midigan.music.encoding import encode_songs
from midigan.music.model import MusicSeqFamily
from midigan.music.samples import output_tokens

FOLK = Path(__file__).resolve().parents[2] / "data" / "midi" / "folk"


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
    assert torch.equal(output_tokens(real, family.vocabulary), batch[:, 1:])
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
    state = make_checkpoint(family, generator, discriminator, generator, optimizer, optimizer, 0, 0, {}, {})
    save_checkpoint(state, tmp_path / "last.pt")
    loaded_family, loaded = load_generator(tmp_path / "last.pt", MusicSeqFamily)
    assert loaded_family.vocabulary == family.vocabulary
    with torch.no_grad():
        assert torch.equal(loaded(noise), first)

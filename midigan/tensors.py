"""Kept so the documented `from midigan.tensors import ...` works: the tensor views live in `midigan.midi.tensors`."""

from midigan.midi.tensors import from_note_sequence, from_piano_roll, to_note_sequence, to_piano_roll

__all__ = ["from_note_sequence", "from_piano_roll", "to_note_sequence", "to_piano_roll"]

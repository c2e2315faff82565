"""Standard MIDI Files to `Song` and back.

    song = read("tune.mid", steps_per_beat=12)   # raises MidiReadError and nothing else
    write(song, "copy.mid")
"""

from midigan.midi.errors import MidiReadError
from midigan.midi.reader import parse, read
from midigan.midi.writer import encode, write

__all__ = ["MidiReadError", "read", "parse", "write", "encode"]

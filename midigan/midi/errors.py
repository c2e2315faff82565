"""The one exception a MIDI file can raise while being read."""

from __future__ import annotations


class MidiReadError(Exception):
    """A file that cannot be read as music, with the reason in plain words.

    `reason` is the short category ("truncated", "not a MIDI file", ...) used to group skipped
    files in summaries; the message adds the details.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)

    def __reduce__(self):
        # rebuilt from (reason, detail), not from the message, when sent back from a worker process
        return type(self), (self.reason, self.detail)

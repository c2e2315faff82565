"""Ctrl-C during training: the first one asks the loop to save and stop after the current step.

Why not the default KeyboardInterrupt: it lands anywhere, halfway through an optimizer step, and a
checkpoint written then would hold a torn state; a flag the loop reads between steps cannot.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator


@contextlib.contextmanager
def interrupt_flag() -> Iterator[threading.Event]:
    """First Ctrl-C sets the flag (the loop saves and returns after the current step); a second
    one interrupts at once. Outside the main thread signals cannot be caught: the flag stays unset
    and a KeyboardInterrupt is handled by the loop instead."""
    flag = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def on_sigint(signum, frame):
        if flag.is_set():
            raise KeyboardInterrupt
        flag.set()

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)

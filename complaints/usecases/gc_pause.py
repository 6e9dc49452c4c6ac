"""Python's cycle collector paused while a use case makes many containers that hold no
cycles and all live until it ends (a year's figures, a memo file's cases): each batch of
new ones would set off a collection of a heap they keep growing, for nothing to find."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Automatic collection off inside, back as it was after (off in the GUI, where it
    runs on the GUI thread only: ui/gc_thread.py)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()

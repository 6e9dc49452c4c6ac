"""Qt widgets of ComplaintDesk.

Importing ui applies one interpreter-level workaround before any widget exists: PySide6 6.12.0
on Python 3.11 hands back None/True/False without a new reference (harmless on 3.12+, where
they are immortal), so every void Qt call and every Signal.emit() drops one reference and a
long session eventually aborts with "deallocating None". Measured here: 100 emits lower
sys.getrefcount(True) by 100 on 6.12.0; 6.11.3 is not affected. We keep 6.12 (the issue's
split wheels: Essentials, Addons, Pdf) and give the three singletons the immortality 3.12
gives them.
"""

from __future__ import annotations

import sys


def pin_singletons() -> None:
    if sys.version_info >= (3, 12):
        return
    import ctypes

    for obj in (None, True, False):
        refcnt = ctypes.c_ssize_t.from_address(id(obj))  # ob_refcnt, the first field
        if refcnt.value < 1 << 40:
            refcnt.value += 1 << 60


pin_singletons()

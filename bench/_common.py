"""Shared bits of the bench scripts: the repo on sys.path, the data folder, timing."""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_DIR = Path(os.environ.get("BENCH_DATA_DIR", "/tmp/complaintdesk-bench"))


def timed(fn, repeat: int = 7) -> tuple[float, float, object]:
    """(first call ms, median of the following calls ms, last result)."""
    t = time.perf_counter()
    result = fn()
    first = (time.perf_counter() - t) * 1000
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        runs.append((time.perf_counter() - t) * 1000)
    return first, statistics.median(runs) if runs else first, result

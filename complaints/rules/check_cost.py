"""How long a check of the database takes, said before it starts ("检查约需 N 秒").

Each part of a check takes a time that grows with one measure of the database: its size in
bytes (SQLite's own checks, the foreign keys, the search index) or the number of its audit
entries (the chain, hashed entry by entry). The rate of a part (measure per second) is the
one this PC measured on its last run of that part, or, before any, a default measured on the
100k bench database (bench/README.md). Plain values in and out; the caller times the parts
and keeps the rates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

BYTES = "bytes"
AUDIT_ENTRIES = "audit_entries"

# part (the check function's name) → (what its time grows with, its default rate per second)
DEFAULTS: dict[str, tuple[str, float]] = {
    "integrity": (BYTES, 100e6),
    "foreign_keys": (BYTES, 800e6),
    "search_index": (BYTES, 800e6),
    "quick_integrity": (BYTES, 400e6),
    "verify_chain": (AUDIT_ENTRIES, 150_000.0),
}
# A part not listed (the schema, the audit log's head): grows with the size, and is quick.
OTHER: tuple[str, float] = (BYTES, 5e9)
# A part timed quicker than this counts as taking this long: the timer's noise on a part of
# a few milliseconds would otherwise make its rate, and a later estimate, arbitrary.
SHORTEST_S = 0.01


def measure_of(part: str) -> str:
    """What the time of ``part`` grows with (BYTES or AUDIT_ENTRIES)."""
    return DEFAULTS.get(part, OTHER)[0]


def rate_of(part: str, rates: Mapping[str, float]) -> float:
    """The rate of ``part``: the one measured (when positive), else its default."""
    measured = rates.get(part, 0.0)
    return measured if measured > 0 else DEFAULTS.get(part, OTHER)[1]


def estimate(parts: Iterable[str], sizes: Mapping[str, float], rates: Mapping[str, float]) -> float:
    """Seconds the ``parts`` take on a database of ``sizes`` (measure → amount)."""
    return sum(sizes.get(measure_of(p), 0.0) / rate_of(p, rates) for p in parts)


def said_seconds(seconds: float) -> int:
    """The whole seconds said: rounded, at least 1."""
    return max(1, round(seconds))


def measured_rates(
    seconds: Mapping[str, float], sizes: Mapping[str, float], rates: Mapping[str, float]
) -> dict[str, float]:
    """``rates`` with each part timed in ``seconds`` (part → seconds it took on a database of
    ``sizes``) replaced by the rate of that run."""
    out = dict(rates)
    for part, took in seconds.items():
        amount = sizes.get(measure_of(part), 0.0)
        if amount > 0:
            out[part] = amount / max(took, SHORTEST_S)
    return out

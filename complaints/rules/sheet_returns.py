"""签字单回收率: of the sheets printed in a period, how many came back signed, how many within
the return limit (``forms.return_days`` days after printing), and how many are still out.

Pure: the printed sheets come in as (form, printed at, returned at), the clock as ``as_of``.
A sheet returned after ``as_of`` counts as still out (the figures as they stood then).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

TOTAL = "合计"


@dataclass(frozen=True)
class ReturnRow:
    """One form's (or the total's) return figures."""

    form: str  # A … D, or TOTAL
    title: str
    printed: int
    returned: int
    on_time: int  # returned within the limit after printing
    missing: int  # not back (yet)
    overdue: int  # not back, and the limit has passed

    @property
    def rate(self) -> float | None:
        return self.returned / self.printed if self.printed else None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.printed if self.printed else None


@dataclass(frozen=True)
class SheetReturns:
    days: int  # the return limit the on-time figures use
    rows: tuple[ReturnRow, ...]  # per form in the order given, then the total

    @property
    def total(self) -> ReturnRow:
        return self.rows[-1]


def sheet_returns(
    sheets: Iterable[tuple[str, datetime, datetime | None]],
    *,
    titles: Mapping[str, str],
    days: int,
    as_of: datetime,
) -> SheetReturns:
    """The figures of ``sheets`` per form (every form of ``titles``, even one with no sheet,
    then any other form seen) and in total."""
    limit = timedelta(days=days)
    counts: dict[str, list[int]] = {f: [0, 0, 0, 0, 0] for f in titles}
    for form, printed_at, returned_at in sheets:
        c = counts.setdefault(form, [0, 0, 0, 0, 0])
        c[0] += 1
        if returned_at is not None and returned_at <= as_of:
            c[1] += 1
            c[2] += returned_at - printed_at <= limit
        else:
            c[3] += 1
            c[4] += as_of - printed_at > limit
    rows = [ReturnRow(f, titles.get(f, f), *c) for f, c in counts.items()]
    sums = [sum(c[i] for c in counts.values()) for i in range(5)]
    total = ReturnRow(TOTAL, TOTAL, *sums)
    return SheetReturns(days, (*rows, total))

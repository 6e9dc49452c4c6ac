"""The causes of a period's cases (原因分类): the Pareto of the monthly meeting and the causes
of repeat complaints. Plain values in, plain values out.

Pareto: the causes by count, largest first; ties by the office's list order, then by name
(a cause no longer in the list goes after those in it); a case without a cause (未填) is
left out of the chart and counted beside it. The cumulative share of the last row is exactly
100 % (the shares are of the counted cases, summed as integers before dividing).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

NO_CAUSE = "未填"


@dataclass(frozen=True)
class ParetoRow:
    cause: str
    count: int
    share: float  # of the classified cases, 0..1
    cumulative: float  # share of this row and those above it, 0..1 (the last row: 1.0)
    case_ids: tuple[int, ...]


@dataclass(frozen=True)
class Pareto:
    rows: tuple[ParetoRow, ...]
    classified: int  # cases with a cause
    unclassified: tuple[int, ...]  # the cases without one

    @property
    def vital_few(self) -> tuple[ParetoRow, ...]:
        """The rows up to and including the one whose cumulative share reaches 80 %."""
        out = []
        for r in self.rows:
            out.append(r)
            if r.cumulative >= 0.8:
                break
        return tuple(out)


def pareto(by_cause: Mapping[str, Sequence[int]], order: Sequence[str] = ()) -> Pareto:
    """The Pareto of ``by_cause`` (cause → case ids; NO_CAUSE holds the cases without one);
    ``order``: the office's list, which breaks ties between equal counts."""
    rank = {c: i for i, c in enumerate(order)}
    counted = [(c, tuple(ids)) for c, ids in by_cause.items() if c != NO_CAUSE and ids]
    counted.sort(key=lambda ci: (-len(ci[1]), rank.get(ci[0], len(rank)), ci[0]))
    total = sum(len(ids) for _c, ids in counted)
    rows = []
    running = 0
    for cause, ids in counted:
        running += len(ids)
        rows.append(ParetoRow(cause, len(ids), len(ids) / total, running / total, ids))
    return Pareto(tuple(rows), total, tuple(by_cause.get(NO_CAUSE, ())))


def repeat_causes(
    groups: Sequence[Sequence[int]],
    by_cause: Mapping[str, Sequence[int]],
    order: Sequence[str] = (),
) -> Pareto:
    """The causes of the repeat complaints: every case of a repeat group (the same customer
    phone or VIN more than once in the period) counted by its cause (``by_cause`` as for
    ``pareto``; a case in no bucket counts as NO_CAUSE)."""
    cause_of = {cid: c for c, ids in by_cause.items() for cid in ids}
    by: dict[str, list[int]] = {}
    for g in groups:
        for cid in g:
            by.setdefault(cause_of.get(cid, NO_CAUSE), []).append(cid)
    return pareto(by, order)

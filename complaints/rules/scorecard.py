"""Scorecards of a period (考核): per department, per 第一责任人 and per clerk (客服: who
registered a case or called the customer back). Plain values in, plain values out.

What a row counts (deliberate, tested):
- its cases: the period's cases (received in it, as in complaints.rules.figures) of that
  department / responsible person / clerk (a clerk's cases are those they registered or
  called back, each case once);
- timeliness per rule = met on time ÷ due (as in the figures), and over all rules;
- satisfaction = (满意 + 非常满意) ÷ cases called back with a level (the first callback);
- reopen rate = cases reopened ÷ cases called back;
- closure rate = cases closed by ``as_of`` ÷ cases;
- complaint rate (departments only) = the department's cases ÷ the volume of its business
  (进厂台次 for 售后, 新车销售台数 for 销售) per 1,000; None when the volume is not known
  or the department has no business;
- fines and rewards: the approved sanctions dated in the period (figures.money) of that
  department, or of that person by name.
Rank: overall timeliness (higher first, a row with nothing due last), then satisfaction,
then closure rate (higher first), then fewer cases, then the name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from complaints.rules.case_summary import CaseSummary
from complaints.rules.deadlines import DeadlineStatus
from complaints.rules.figures import HAPPY, NO_DEPARTMENT, MoneyRow, Rate, Timeliness
from complaints.rules.volume import Volume
from complaints.types import Business


class Group(StrEnum):
    DEPARTMENT = "部门"
    RESPONSIBLE = "第一责任人"
    CLERK = "客服"


@dataclass(frozen=True)
class ScoreCase:
    """One of the period's cases as the scorecard needs it."""

    id: int
    department: str | None
    responsible: str | None
    registered_by: str | None  # actor of the 登记 entry
    called_back_by: str | None  # actor of the first 回访 entry
    closed: bool  # closed by as_of
    summary: CaseSummary


@dataclass
class ScoreRow:
    group: Group
    name: str
    cases: list[int] = field(default_factory=list)
    timeliness: dict[str, Timeliness] = field(default_factory=dict)  # rule → counts
    overall: Timeliness = field(default_factory=lambda: Timeliness("全部"))
    rated: int = 0
    happy: int = 0
    called_back: int = 0
    reopened: int = 0
    closed: int = 0
    complaint_rate: float | None = None  # a fraction (0.0025 = 2.5 ‰)
    fines: int = 0
    rewards: int = 0
    rank: int = 0

    @property
    def satisfaction(self) -> Rate:
        return Rate(self.happy, self.rated)

    @property
    def reopen_rate(self) -> Rate:
        return Rate(self.reopened, self.called_back)

    @property
    def closure_rate(self) -> Rate:
        return Rate(self.closed, len(self.cases))

    def add(self, c: ScoreCase) -> None:
        self.cases.append(c.id)
        sm = c.summary
        for rule, st in sm.outcomes:
            t = self.timeliness.setdefault(rule, Timeliness(rule))
            for tt in (t, self.overall):
                if st is DeadlineStatus.MET:
                    tt.met += 1
                elif st is DeadlineStatus.MET_LATE:
                    tt.late += 1
                else:
                    tt.missed += 1
        if sm.called_back:
            self.called_back += 1
            if sm.level:
                self.rated += 1
                self.happy += sm.level in HAPPY
        self.reopened += sm.reopened
        self.closed += c.closed


@dataclass(frozen=True)
class Scorecard:
    rows: dict[Group, list[ScoreRow]]  # each group ranked

    def row(self, group: Group, name: str) -> ScoreRow | None:
        return next((r for r in self.rows[group] if r.name == name), None)


def _rank_key(r: ScoreRow) -> tuple[int, float, float, float, int, str]:
    def neg(rate: Rate) -> float:
        v = rate.value
        return 1.0 if v is None else -v  # a rate without base after every real one

    return (
        r.overall.due == 0,
        neg(r.overall.rate),
        neg(r.satisfaction),
        neg(r.closure_rate),
        len(r.cases),
        r.name,
    )


def _ranked(rows: dict[str, ScoreRow]) -> list[ScoreRow]:
    out = sorted(rows.values(), key=_rank_key)
    for i, r in enumerate(out, 1):
        r.rank = i
    return out


def scorecard(
    cases: Sequence[ScoreCase],
    money_by_department: Sequence[MoneyRow] = (),
    money_by_person: Sequence[MoneyRow] = (),
    volume: Volume | None = None,
    business_of: Mapping[str, str | None] | None = None,
) -> Scorecard:
    """The ranked scorecard of a period's cases. ``volume``: the period's business volume of
    the chosen sites (None: not known); ``business_of``: department → its business."""
    by: dict[Group, dict[str, ScoreRow]] = {g: {} for g in Group}
    keys: tuple[tuple[Group, Callable[[ScoreCase], set[str]]], ...] = (
        (Group.DEPARTMENT, lambda c: {c.department or NO_DEPARTMENT}),
        (Group.RESPONSIBLE, lambda c: {c.responsible} if c.responsible else set()),
        (Group.CLERK, lambda c: {n for n in (c.registered_by, c.called_back_by) if n}),
    )
    for c in cases:
        for group, names in keys:
            for name in sorted(names(c)):
                row = by[group].get(name)
                if row is None:
                    row = by[group][name] = ScoreRow(group, name)
                row.add(c)
    for m in money_by_department:
        r = by[Group.DEPARTMENT].get(m.department)
        if r is not None:
            r.fines, r.rewards = m.fines, m.rewards
    person_money: dict[str, list[int]] = {}
    for m in money_by_person:
        acc = person_money.setdefault(m.person, [0, 0])
        acc[0] += m.fines
        acc[1] += m.rewards
    for group in (Group.RESPONSIBLE, Group.CLERK):
        for name, (fines, rewards) in person_money.items():
            r = by[group].get(name)
            if r is not None:
                r.fines, r.rewards = fines, rewards
    if volume is not None:
        for name, r in by[Group.DEPARTMENT].items():
            business = (business_of or {}).get(name)
            base = {
                Business.SERVICE.value: volume.service_visits,
                Business.SALES.value: volume.new_car_sales,
            }.get(business or "")
            r.complaint_rate = len(r.cases) / base if base else None
    return Scorecard({g: _ranked(rows) for g, rows in by.items()})

"""The monthly review's figures (policy.md §6; seeds 002/003): plain values in, plain values out.

Which cases a figure counts (deliberate, tested):
- the period's cases are those *received* in [start, end) at the chosen sites, not deleted;
  every count, rate and time below is over them (a cohort: the meeting asks "how did we do
  with this month's complaints"), except
- carried over (上期结转): received before the period and not closed when it began;
  open at the end (期末未结): received before the end and not closed by then;
- timeliness (及时率) per rule D1–D11 = met on time ÷ due, where due = 按时完成 + 逾期完成 +
  已逾期 as of ``as_of`` (normally now: a deadline still running is not counted yet);
- time to first contact / to handling: from 登记 to the first 联系客户 / the first 处理完成 or
  回传客服 entry, in hours, over the cases that have one;
- satisfaction: the first callback (回访) of each case, its five levels; the share is
  (满意 + 非常满意) ÷ cases with a level;
- reopen rate = cases reopened (重开) ÷ cases called back;
- repeat complainants: groups of two or more of the period's cases sharing a customer phone
  or a VIN (linked transitively);
- fines and rewards: *approved* sanctions dated in the period, by department and person;
- complaint rate (投诉率) = the period's cases ÷ the business volume (进厂台次 + 新车销售台数
  of the chosen sites in the period's months) per 1,000; 售后 cases ÷ 进厂台次 and 销售 cases ÷
  新车销售台数 beside it. None (shown “未填业务量”) when a site's month has no volume entered,
  and when the period is not made of whole months (the volume is kept per month).
Each bucket keeps its case ids so a click can list the cases behind the number.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from complaints.rules.case_summary import CaseSummary, SummaryKey, summarise, summary_key
from complaints.rules.deadline_rules import RULES
from complaints.rules.deadlines import DeadlineStatus
from complaints.rules.periods import Period
from complaints.rules.policy import Policy
from complaints.rules.volume import ComplaintRate, Volume, complaint_rate
from complaints.types import (
    ApprovalStatus,
    Business,
    Channel,
    Kind,
    Liability,
    SanctionType,
    Satisfaction,
    Severity,
    State,
)

NO_DEPARTMENT = "未派单"
UNKNOWN = "未填"

# dimension key → (title, the values in display order)
DIMENSIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "channel": ("渠道", tuple(c.value for c in Channel)),
    "kind": ("性质", tuple(k.value for k in Kind)),
    "severity": ("类别", tuple(s.value for s in Severity)),
    "business": ("业务", tuple(b.value for b in Business)),
    "department": ("责任部门", ()),  # the departments found, largest first
    "liability": ("责任认定", tuple(v.value for v in Liability)),
    "state": ("状态", tuple(s.value for s in State)),
    "cause": ("原因分类", ()),  # the office's own list: the causes found, largest first
}
LEVELS = tuple(s.value for s in Satisfaction)
HAPPY = frozenset({Satisfaction.SATISFIED.value, Satisfaction.VERY_SATISFIED.value})


@dataclass(frozen=True)
class Rate:
    """hits ÷ base; ``value`` is None when the base is 0 (shown as “—”, never 0 %)."""

    hits: int
    base: int

    @property
    def value(self) -> float | None:
        return None if self.base == 0 else self.hits / self.base


@dataclass(frozen=True)
class Duration:
    """Mean and median in hours over ``n`` cases (None when n = 0)."""

    n: int
    mean: float | None
    median: float | None


@dataclass
class Timeliness:
    rule: str
    met: int = 0
    late: int = 0
    missed: int = 0
    late_ids: list[int] = field(default_factory=list)  # met late or missed: the cases to ask about

    @property
    def due(self) -> int:
        return self.met + self.late + self.missed

    @property
    def rate(self) -> Rate:
        return Rate(self.met, self.due)


@dataclass(frozen=True)
class MoneyRow:
    department: str
    person: str  # "" on a department's total row
    fines: int
    fine_count: int
    rewards: int
    reward_count: int


@dataclass
class Figures:
    period: Period
    sites: tuple[str, ...]
    case_ids: list[int]
    by: dict[str, dict[str, list[int]]]  # dimension → value → case ids (display order)
    carried_over: list[int]
    open_at_end: list[int]
    timeliness: dict[str, Timeliness]  # rule → counts (rules with nothing due left out)
    overall: Timeliness
    contact: Duration
    handling: Duration
    satisfaction: dict[str, list[int]]  # level → case ids, the five levels in order
    called_back: list[int]
    reopened: list[int]
    repeat_groups: list[list[int]]
    money_by_department: list[MoneyRow]
    money_by_person: list[MoneyRow]
    fines_total: int
    rewards_total: int
    complaint_rate: ComplaintRate | None = None  # None: no volumes were asked for

    @property
    def total(self) -> int:
        return len(self.case_ids)

    @property
    def satisfied_share(self) -> Rate:
        rated = sum(len(v) for v in self.satisfaction.values())
        return Rate(sum(len(self.satisfaction[k]) for k in HAPPY), rated)

    @property
    def reopen_rate(self) -> Rate:
        return Rate(len(self.reopened), len(self.called_back))

    @property
    def repeat_case_ids(self) -> list[int]:
        return sorted(i for g in self.repeat_groups for i in g)


def _duration(values: list[float]) -> Duration:
    if not values:
        return Duration(0, None, None)
    return Duration(len(values), sum(values) / len(values), statistics.median(values))


def _repeat_groups(keys: Iterable[tuple[int, str | None, str | None]]) -> list[list[int]]:
    """Groups of case ids linked by a shared phone or VIN; ``keys``: (id, phone, vin)."""
    # The cases of each phone and each VIN first: only those sharing one are linked, so the
    # union-find walks the few repeat cases, not a year's every case.
    phones: dict[str, list[int]] = {}
    vins: dict[str, list[int]] = {}
    for cid, phone, vin in keys:
        if phone and (v := phone.strip().upper()):
            if (ids := phones.get(v)) is None:
                phones[v] = [cid]
            else:
                ids.append(cid)
        if vin and (v := vin.strip().upper()):
            if (ids := vins.get(v)) is None:
                vins[v] = [cid]
            else:
                ids.append(cid)
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for by_value in (phones, vins):
        for ids in by_value.values():
            if len(ids) < 2:
                continue
            root = find(parent.setdefault(ids[0], ids[0]))
            for cid in ids[1:]:
                parent[find(parent.setdefault(cid, cid))] = root
                root = find(root)
    groups: dict[int, list[int]] = defaultdict(list)
    for cid in parent:
        groups[find(cid)].append(cid)
    return sorted((sorted(g) for g in groups.values() if len(g) > 1), key=lambda g: (-len(g), g))


def money(
    sanctions: Iterable[Mapping[str, Any]], period: Period
) -> tuple[list[MoneyRow], list[MoneyRow], int, int]:
    """Approved fines and rewards dated in the period: (by department, by person, fines total,
    rewards total); rows by total amount, largest first."""
    acc: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for s in sanctions:
        if s.get("status") != ApprovalStatus.APPROVED.value or s.get("deleted"):
            continue
        day = s["date"]
        if not period.contains(day):
            continue
        fine = s["type"] == SanctionType.FINE.value
        amount = int(s["amount"] or 0)
        for key in (
            (s.get("department") or UNKNOWN, ""),
            (s.get("department") or UNKNOWN, s.get("person") or UNKNOWN),
        ):
            row = acc[key]
            if fine:
                row[0] += amount
                row[1] += 1
            else:
                row[2] += amount
                row[3] += 1

    def rows(person_rows: bool) -> list[MoneyRow]:
        out = [MoneyRow(d, p, *v) for (d, p), v in acc.items() if bool(p) == person_rows]
        return sorted(out, key=lambda r: (-(r.fines + r.rewards), r.department, r.person))

    by_dept = rows(False)
    return (by_dept, rows(True), sum(r.fines for r in by_dept), sum(r.rewards for r in by_dept))


_MET, _LATE = DeadlineStatus.MET, DeadlineStatus.MET_LATE


def compute(
    period: Period,
    sites: Sequence[str],
    cases: Sequence[Mapping[str, Any]],
    entries: Mapping[int, Sequence[Mapping[str, Any]]],
    earlier_open: Sequence[Mapping[str, Any]],
    sanctions: Iterable[Mapping[str, Any]],
    policy_at: Callable[[datetime], Policy],
    as_of: datetime,
    tz: tzinfo,
    summaries: dict[SummaryKey, CaseSummary] | None = None,
    volumes: Mapping[tuple[str, str], Volume] | None = None,
    volume_sites: Sequence[str] = (),
) -> Figures:
    """Every figure of the period.

    ``cases``: the period's cases (dicts with id, received_at, channel, kind, severity,
    business, department, liability, state, closed_at, phone, vin, media, needs_oem,
    satisfaction, satisfaction2; revision and modified_at for the cache); ``entries``: case
    id → its entries (at, action, note); ``earlier_open``: cases received before the period
    with (id, received_at, closed_at), for the carry-over; ``policy_at``: the policy in force
    when a case was received; ``summaries``: a cache of closed cases' summaries, read and
    filled (cases found there need no entries); ``volumes``: (site, month) → business volume,
    with ``volume_sites`` the sites whose volume the complaint rate needs."""
    part = accumulate(period, cases, entries, policy_at, as_of, tz, summaries)
    return finish(period, sites, part, earlier_open, sanctions, tz, volumes, volume_sites)


@dataclass
class Partial:
    """What ``compute`` gathers case by case over some of a period's cases, in their order,
    before the figures that need the whole period (carry-over, open at the end, repeat
    complainants, money, rate). The partials of consecutive months, joined in order
    (``join``), are the partial of the months together: a year's figures can reuse the
    months'."""

    ids: list[int]
    by: dict[str, dict[str, list[int]]]
    timeliness: dict[str, Timeliness]
    overall: Timeliness
    contact: list[float]
    handling: list[float]
    satisfaction: dict[str, list[int]]
    called_back: list[int]
    reopened: list[int]
    closed: list[tuple[int, datetime | None]]  # (id, closed_at) of each case, in order
    keys: list[tuple[int, str | None, str | None]]  # (id, phone, vin): for repeat groups
    sites: set[str | None] = field(default_factory=set)  # the sites of the cases given
    unsettled: int = 0  # cases not closed by as_of (their summaries depend on the clock)


def accumulate(
    period: Period,
    cases: Sequence[Mapping[str, Any]],
    entries: Mapping[int, Sequence[Mapping[str, Any]]],
    policy_at: Callable[[datetime], Policy],
    as_of: datetime,
    tz: tzinfo,
    summaries: dict[SummaryKey, CaseSummary] | None = None,
) -> Partial:
    """The case-by-case part of ``compute`` (same arguments)."""
    # Stored times are UTC: bounds in UTC compare without converting offsets each time.
    start, end = (t.astimezone(UTC) for t in period.bounds(tz))
    as_of_utc = as_of.astimezone(UTC)
    ids: list[int] = []
    by: dict[str, dict[str, list[int]]] = {
        k: {v: [] for v in values} for k, (_t, values) in DIMENSIONS.items()
    }
    dims = [(k, by[k], NO_DEPARTMENT if k == "department" else UNKNOWN) for k in DIMENSIONS]
    timeliness = {r: Timeliness(r) for r in RULES}
    overall = Timeliness("全部")
    contact: list[float] = []
    handling: list[float] = []
    satisfaction: dict[str, list[int]] = {v: [] for v in LEVELS}
    called_back: list[int] = []
    reopened: list[int] = []
    closed_list: list[tuple[int, datetime | None]] = []
    keys: list[tuple[int, str | None, str | None]] = []
    empty: list[Mapping[str, Any]] = []
    sites: set[str | None] = set()
    unsettled = 0
    for c in cases:
        cid = c["id"]
        received = c["received_at"]
        sites.add(c.get("site"))
        if not (start <= received < end):
            continue
        ids.append(cid)
        keys.append((cid, c.get("phone"), c.get("vin")))
        for k, bucket, missing in dims:
            v = c.get(k) or missing
            lst = bucket.get(v)
            if lst is None:
                bucket[v] = [cid]
            else:
                lst.append(cid)
        closed_list.append((cid, c.get("closed_at")))
        key = summary_key(c, as_of_utc)
        if key is None:
            unsettled += 1
        sm = None if key is None or summaries is None else summaries.get(key)
        if sm is None:
            sm = summarise(c, entries.get(cid, empty), policy_at(received), as_of, tz)
            if key is not None and summaries is not None:
                summaries[key] = sm
        if sm.contact_hours is not None:
            contact.append(sm.contact_hours)
        if sm.handling_hours is not None:
            handling.append(sm.handling_hours)
        if sm.called_back:
            called_back.append(cid)
            if sm.level in satisfaction:
                satisfaction[sm.level].append(cid)
        if sm.reopened:
            reopened.append(cid)
        late = False
        for rule, st in sm.outcomes:
            t = timeliness[rule]
            if st is _MET:
                t.met += 1
                overall.met += 1
                continue
            if st is _LATE:
                t.late += 1
                overall.late += 1
            else:
                t.missed += 1
                overall.missed += 1
            if not t.late_ids or t.late_ids[-1] != cid:
                t.late_ids.append(cid)
            late = True
        if late:
            overall.late_ids.append(cid)
    return Partial(
        ids,
        by,
        timeliness,
        overall,
        contact,
        handling,
        satisfaction,
        called_back,
        reopened,
        closed_list,
        keys,
        sites,
        unsettled,
    )


def _join_timeliness(rule: str, ts: Sequence[Timeliness]) -> Timeliness:
    return Timeliness(
        rule,
        sum(t.met for t in ts),
        sum(t.late for t in ts),
        sum(t.missed for t in ts),
        [i for t in ts for i in t.late_ids],
    )


def join(parts: Sequence[Partial]) -> Partial:
    """The partial of consecutive pieces of a period, given in order (their cases in order)."""
    by: dict[str, dict[str, list[int]]] = {}
    for k in DIMENSIONS:
        out: dict[str, list[int]] = {}
        for p in parts:  # values in order of first appearance, as one pass would add them
            for v, got in p.by[k].items():
                out.setdefault(v, []).extend(got)
        by[k] = out
    return Partial(
        [i for p in parts for i in p.ids],
        by,
        {r: _join_timeliness(r, [p.timeliness[r] for p in parts]) for r in RULES},
        _join_timeliness("全部", [p.overall for p in parts]),
        [h for p in parts for h in p.contact],
        [h for p in parts for h in p.handling],
        {v: [i for p in parts for i in p.satisfaction[v]] for v in LEVELS},
        [i for p in parts for i in p.called_back],
        [i for p in parts for i in p.reopened],
        [x for p in parts for x in p.closed],
        [x for p in parts for x in p.keys],
        set().union(*(p.sites for p in parts)),
        sum(p.unsettled for p in parts),
    )


def finish(
    period: Period,
    sites: Sequence[str],
    part: Partial,
    earlier_open: Sequence[Mapping[str, Any]],
    sanctions: Iterable[Mapping[str, Any]],
    tz: tzinfo,
    volumes: Mapping[tuple[str, str], Volume] | None = None,
    volume_sites: Sequence[str] = (),
) -> Figures:
    """The figures of the period from its cases' partial (see ``compute``)."""
    start, end = (t.astimezone(UTC) for t in period.bounds(tz))
    by = {k: dict(v) for k, v in part.by.items()}
    for k, (_t, values) in DIMENSIONS.items():
        if not values:  # departments and causes: largest first, then by name
            by[k] = dict(sorted(by[k].items(), key=lambda kv: (-len(kv[1]), kv[0])))
    open_at_end = [cid for cid, closed in part.closed if closed is None or closed >= end]
    carried = [
        c["id"]
        for c in earlier_open
        if c["received_at"] < start and (c.get("closed_at") is None or c["closed_at"] >= start)
    ]
    for c in earlier_open:  # carried cases still open at the end count there too
        if c["received_at"] < start and (c.get("closed_at") is None or c["closed_at"] >= end):
            open_at_end.append(c["id"])
    by_dept, by_person, fines, rewards = money(sanctions, period)
    business = by["business"]
    ids = part.ids
    rate = (
        None
        if volumes is None
        else complaint_rate(
            period,
            volume_sites or sites,
            len(ids),
            len(business.get(Business.SERVICE.value, ())),
            len(business.get(Business.SALES.value, ())),
            volumes,
        )
    )
    return Figures(
        period=period,
        sites=tuple(sites),
        case_ids=list(ids),
        by=by,
        carried_over=sorted(carried),
        open_at_end=sorted(open_at_end),
        timeliness={r: t for r, t in part.timeliness.items() if t.due},
        overall=part.overall,
        contact=_duration(part.contact),
        handling=_duration(part.handling),
        satisfaction=part.satisfaction,
        called_back=part.called_back,
        reopened=part.reopened,
        repeat_groups=_repeat_groups(part.keys),
        money_by_department=by_dept,
        money_by_person=by_person,
        fines_total=fines,
        rewards_total=rewards,
        complaint_rate=rate,
    )

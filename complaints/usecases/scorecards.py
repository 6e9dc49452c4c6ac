"""考核: the scorecards of a period (complaints.rules.scorecard) with the period before, for
统计, the reports and ``report --scorecard``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from complaints.rules import case_summary, volume
from complaints.rules import figures as fig
from complaints.rules.deadline_rules import RULES
from complaints.rules.periods import Period, previous
from complaints.rules.scorecard import Group, Scorecard, ScoreCase, ScoreRow, scorecard
from complaints.types import State
from complaints.usecases import auth, stats
from complaints.usecases import policy as policy_uc
from complaints.usecases.context import Context
from db import scorecard_rows


@dataclass(frozen=True)
class Scorecards:
    period: Period
    current: Scorecard
    previous_period: Period
    previous: Scorecard

    def before(self, row: ScoreRow) -> ScoreRow | None:
        """The same department or person in the period before (None: not there)."""
        return self.previous.row(row.group, row.name)


def scorecard_for(period: Period, sites: Sequence[str], *, as_of: datetime, tz) -> Scorecard:
    """One period's scorecard (no permission check: callers check stats.view)."""
    book = policy_uc.book()
    cases, entries, _earlier, sanctions = stats.load_period(period, sites, tz)
    start, end = period.bounds(tz)
    who = scorecard_rows.clerks(start, end, sites)
    closed_state = State.CLOSED.value
    score_cases = []
    for c in cases:
        sm = case_summary.summarise(
            c, entries.get(c["id"], []), book.at(c["received_at"]), as_of, tz
        )
        reg, cb = who.get(c["id"], ("", ""))
        closed_at = c.get("closed_at")
        score_cases.append(
            ScoreCase(
                c["id"],
                c.get("department"),
                c.get("responsible"),
                reg or None,
                cb or None,
                c.get("state") == closed_state and closed_at is not None and closed_at <= as_of,
                sm,
            )
        )
    by_dept, by_person, _fines, _rewards = fig.money(sanctions, period)
    vols = stats.volumes(sites, stats.volume_months(period))
    vsites = tuple(sites) or tuple(sorted({c["site"] for c in cases} | {k[0] for k in vols}))
    vol = volume.complaint_rate(period, vsites, 0, 0, 0, vols).volume
    return scorecard(score_cases, by_dept, by_person, vol, scorecard_rows.department_business())


def scorecards(
    ctx: Context, period: Period, sites: Sequence[str] = (), *, as_of: datetime | None = None
) -> Scorecards:
    """The period's scorecard with the period before's beside it."""
    auth.require(ctx, "stats.view")
    as_of = as_of or ctx.now()
    prev = previous(period)
    return Scorecards(
        period,
        scorecard_for(period, sites, as_of=as_of, tz=ctx.tz),
        prev,
        scorecard_for(prev, sites, as_of=as_of, tz=ctx.tz),
    )


def _rule_order(item: tuple[str, object]) -> int:
    """D1 … D11 in the policy's order (not as text: D10 after D9)."""
    order = list(RULES)
    return order.index(item[0]) if item[0] in RULES else len(order)


def _pct(r: fig.Rate) -> str:
    return "—" if r.value is None else f"{r.value * 100:.1f}%"


def _permille(v: float | None) -> str:
    return "—" if v is None else f"{v * volume.PER:.2f}‰"


def rows_data(s: Scorecards) -> list[dict[str, object]]:
    """Plain rows of every group (text, as the page and the reports show them)."""
    out: list[dict[str, object]] = []
    for group in Group:
        for r in s.current.rows[group]:
            p = s.before(r)
            out.append(
                {
                    "group": group.value,
                    "rank": r.rank,
                    "name": r.name,
                    "cases": len(r.cases),
                    "timeliness": _pct(r.overall.rate),
                    "per_rule": "、".join(
                        f"{rule} {_pct(t.rate)}"
                        for rule, t in sorted(r.timeliness.items(), key=_rule_order)
                    ),
                    "satisfaction": _pct(r.satisfaction),
                    "reopen": _pct(r.reopen_rate),
                    "closure": _pct(r.closure_rate),
                    "complaint_rate": _permille(r.complaint_rate)
                    if group is Group.DEPARTMENT
                    else "—",
                    "fines": r.fines,
                    "rewards": r.rewards,
                    "prev_rank": "—" if p is None else p.rank,
                    "prev_cases": "—" if p is None else len(p.cases),
                    "prev_timeliness": "—" if p is None else _pct(p.overall.rate),
                    "prev_satisfaction": "—" if p is None else _pct(p.satisfaction),
                }
            )
    return out


# The columns of the scorecard table: (key, header), shared by the page and the reports.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("group", "类别"),
    ("rank", "名次"),
    ("name", "名称"),
    ("cases", "件数"),
    ("timeliness", "及时率"),
    ("satisfaction", "满意率"),
    ("reopen", "重开率"),
    ("closure", "结案率"),
    ("complaint_rate", "投诉率"),
    ("fines", "罚款"),
    ("rewards", "奖励"),
    ("prev_rank", "上期名次"),
    ("prev_cases", "上期件数"),
    ("prev_timeliness", "上期及时率"),
    ("prev_satisfaction", "上期满意率"),
    ("per_rule", "各时限及时率"),
)

"""The headline figures of the monthly review (the figure cards and the reports), their
change against another period, and how each is written."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from complaints.rules.figures import Figures
from complaints.rules.volume import PER, VOLUME_MISSING
from complaints.types import Kind, Severity

# key → (label, unit, "higher is better")
KPIS: dict[str, tuple[str, str, bool]] = {
    "total": ("投诉总数", "件", False),
    "complaint_rate": ("投诉率(每千台次)", "‰", False),
    "complaints": ("其中投诉", "件", False),
    "major": ("重大投诉", "件", False),
    "carried_over": ("上期结转", "件", False),
    "open_at_end": ("期末未结", "件", False),
    "timeliness": ("处理及时率", "%", True),
    "contact_hours": ("平均首次联系", "小时", False),
    "handling_hours": ("平均处理用时", "小时", False),
    "satisfied_share": ("回访满意率", "%", True),
    "reopen_rate": ("重开率", "%", False),
    "repeat": ("重复投诉客户", "位", False),
    "fines": ("罚款", "元", False),
    "rewards": ("奖励", "元", True),
}


def kpis(f: Figures) -> dict[str, float | int | None]:
    """The headline numbers of the figure cards (rates as fractions 0–1, None = no base)."""
    return {
        "total": f.total,
        "complaint_rate": None if f.complaint_rate is None else f.complaint_rate.value,
        "complaints": len(f.by["kind"].get(Kind.COMPLAINT.value, [])),
        "major": len(f.by["severity"].get(Severity.MAJOR.value, [])),
        "carried_over": len(f.carried_over),
        "open_at_end": len(f.open_at_end),
        "timeliness": f.overall.rate.value,
        "contact_hours": f.contact.mean,
        "handling_hours": f.handling.mean,
        "satisfied_share": f.satisfied_share.value,
        "reopen_rate": f.reopen_rate.value,
        "repeat": len(f.repeat_groups),
        "fines": f.fines_total,
        "rewards": f.rewards_total,
    }


def change(now: Mapping[str, Any], before: Mapping[str, Any] | None) -> dict[str, float | None]:
    """Difference per KPI (now − before; rates in percentage points as fractions); None when
    either side has no value."""
    out: dict[str, float | None] = {}
    for k, v in now.items():
        b = None if before is None else before.get(k)
        out[k] = None if v is None or b is None else v - b
    return out


def format_kpi(key: str, value: float | int | None, none_text: str | None = None) -> str:
    """A KPI as shown on a card and in the reports: 87.5%, 2.50‰, 1.8 小时, 1,200 元, —.
    A missing complaint rate says why (``none_text``, default “未填业务量”), never 0."""
    unit = KPIS[key][1]
    if value is None:
        if unit == "‰":
            return none_text or VOLUME_MISSING
        return "—"
    if unit == "‰":
        return f"{value * PER:.2f}‰"
    if unit == "%":
        return f"{value * 100:.1f}%"
    if unit == "小时":
        return f"{value:.1f} 小时"
    return f"{int(value):,} {unit}"


def format_change(key: str, delta: float | None) -> str:
    """+2.5 个百分点 / −3 件 / —."""
    if delta is None:
        return "—"
    unit = KPIS[key][1]
    a = abs(delta)
    if unit == "‰":
        body = f"{a * PER:.2f}‰"
    elif unit == "%":
        body = f"{a * 100:.1f} 个百分点"
    elif unit == "小时":
        body = f"{a:.1f} 小时"
    else:
        body = f"{round(a):,} {unit}"
    if body.startswith(("0.0 ", "0 ", "0.00‰")):  # too small to show: no sign (never "−0.0")
        return "±" + body
    return ("+" if delta > 0 else "−") + body

"""统计's report files: the meeting's paper as a Word document (forms.report_docx) or an Excel
workbook with native charts (ledger.report_xlsx), made here once for the 统计 page and the
``report`` command. A report leaves the building: it needs stats.report and is audited."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from complaints.rules import figures as fig
from complaints.rules import headline, volume
from complaints.rules.deadlines import WHAT
from complaints.rules.periods import Period
from complaints.usecases import (
    audit,
    auth,
    report_causes,
    report_followup,
    scorecards,
    sheet_returns,
    stats_review,
)
from complaints.usecases.cases import case_rows
from complaints.usecases.context import Context
from complaints.usecases.errors import UseCaseError
from complaints.usecases.output_files import writing
from complaints.usecases.site import local_site
from db.models import database
from db.retry import retried
from forms import report_docx
from ledger import report_xlsx, report_xlsx_causes

KINDS = (".xlsx", ".docx")


BAR = "█"


def _bar(n: int, top: int, width: int = 20) -> str:
    """A bar of block characters: prints in Word/WPS and on paper without any picture."""
    if top <= 0 or n <= 0:
        return ""
    return BAR * max(1, round(n / top * width))


def _has_data(k: Mapping[str, Any] | None) -> bool:
    """Whether a comparison period had any case (received, carried over or still open)."""
    return k is not None and any(k.get(n) for n in ("total", "carried_over", "open_at_end"))


def _pct(r: fig.Rate) -> str:
    return "—" if r.value is None else f"{r.value * 100:.1f}%"


def _hours_text(h: float | None) -> str:
    return "—" if h is None else f"{h:.1f}"


def _numbers(ids: Sequence[int]) -> dict[int, str]:
    return {i: row[0] for i, row in case_rows(list(ids), ("number",)).items()}


def report_data(
    r: stats_review.Review,
    *,
    title_site: str,
    generated: datetime,
    tz: tzinfo,
    scores: scorecards.Scorecards | None = None,
) -> dict[str, Any]:
    """Plain rows (text and numbers) for the Word and the Excel report: one place decides
    what the meeting's paper says."""
    f = r.figures
    # A comparison period with no data at all (before the first case) is "—", not "0 件"
    # with the whole period as its change.
    previous = r.previous if _has_data(r.previous) else {}
    last_year = r.last_year if _has_data(r.last_year) else {}
    prev_d, ly_d = (
        headline.change(r.kpis, previous or None),
        headline.change(r.kpis, last_year or None),
    )
    rate = f.complaint_rate
    why = rate.why_none if rate is not None else None
    kpis = [
        {
            "key": k,
            "label": label,
            "unit": unit,
            "value": headline.format_kpi(k, r.kpis.get(k), why),
            "raw": r.kpis.get(k),
            "prev": headline.format_kpi(k, previous.get(k), why) if previous else "—",
            "raw_prev": previous.get(k) if previous else None,
            "vs_prev": headline.format_change(k, prev_d.get(k)),
            "raw_vs_prev": prev_d.get(k),
            "ly": headline.format_kpi(k, last_year.get(k), why) if last_year else "—",
            "raw_ly": last_year.get(k) if last_year else None,
            "vs_ly": headline.format_change(k, ly_d.get(k)),
            "raw_vs_ly": ly_d.get(k),
        }
        for k, (label, unit, _b) in headline.KPIS.items()
    ]
    dims = []
    for key, (title, _values) in fig.DIMENSIONS.items():
        buckets = f.by[key]
        top = max((len(v) for v in buckets.values()), default=0)
        rows = [
            {
                "name": name,
                "count": len(ids),
                "share": "—" if not f.total else f"{len(ids) / f.total * 100:.1f}%",
                "bar": _bar(len(ids), top),
            }
            for name, ids in buckets.items()
            if ids or key in ("channel", "kind", "severity")
        ]
        dims.append({"key": key, "title": title, "rows": rows, "total": f.total})
    timeliness = [
        {
            "rule": t.rule,
            "what": WHAT.get(t.rule, ""),
            "due": t.due,
            "met": t.met,
            "late": t.late,
            "missed": t.missed,
            "rate": _pct(t.rate),
        }
        for t in f.timeliness.values()
    ]
    o = f.overall
    timeliness_total = {
        "due": o.due,
        "met": o.met,
        "late": o.late,
        "missed": o.missed,
        "rate": _pct(o.rate),
    }
    rated = sum(len(v) for v in f.satisfaction.values())
    top = max((len(v) for v in f.satisfaction.values()), default=0)
    satisfaction = [
        {
            "level": k,
            "count": len(v),
            "share": "—" if not rated else f"{len(v) / rated * 100:.1f}%",
            "bar": _bar(len(v), top),
        }
        for k, v in f.satisfaction.items()
    ]
    durations = [
        {
            "name": name,
            "n": d.n,
            "mean": _hours_text(d.mean),
            "median": _hours_text(d.median),
            "mean_hours": d.mean,
            "median_hours": d.median,
        }
        for name, d in (
            ("首次联系客户", f.contact),
            ("处理完毕(处理单回传)", f.handling),
            ("暂停(等待客户/配件/厂家)", r.on_hold),
        )
    ]
    numbers = _numbers([i for g in f.repeat_groups for i in g])
    repeats = [
        {"count": len(g), "numbers": "、".join(numbers.get(i, str(i)) for i in g)}
        for g in f.repeat_groups
    ]

    def money_rows(rows: list[fig.MoneyRow]) -> list[dict[str, Any]]:
        return [
            {
                "department": m.department,
                "person": m.person,
                "fines": m.fines,
                "fine_count": m.fine_count,
                "rewards": m.rewards,
                "reward_count": m.reward_count,
            }
            for m in rows
        ]

    sites = "、".join(f.sites) if f.sites else "全部站点"
    volume_rows, volume_note = _volume_rows(rate)
    return {
        "title": f"{title_site}客户抱怨投诉分析报告",
        "period": f.period.label,
        "period_code": f.period.code,
        "sites": sites,
        "generated": generated.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        "as_of": r.as_of.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        "prev_label": r.previous_label,
        "ly_label": r.last_year_label,
        "kpis": kpis,
        "dimensions": dims,
        "timeliness": timeliness,
        "timeliness_total": timeliness_total,
        "durations": durations,
        "satisfaction": satisfaction,
        "satisfied_share": _pct(f.satisfied_share),
        "rated": rated,
        "called_back": len(f.called_back),
        "reopened": len(f.reopened),
        "reopen_rate": _pct(f.reopen_rate),
        "repeats": repeats,
        "repeat_count": len(repeats),
        "carried_over": len(f.carried_over),
        "open_at_end": len(f.open_at_end),
        "total": f.total,
        "money_by_department": money_rows(f.money_by_department),
        "money_by_person": money_rows(f.money_by_person),
        "fines_total": f.fines_total,
        "not_liable": len(f.by["liability"].get("无责", [])),
        "rewards_total": f.rewards_total,
        "trend": [
            {"month": m, "count": n, "bar": _bar(n, max(c for _m, c in r.trend))}
            for m, n in r.trend
        ],
        "complaint_rate": headline.format_kpi("complaint_rate", r.kpis.get("complaint_rate"), why),
        "volume": volume_rows,
        "volume_note": volume_note,
        **report_causes.cause_data(f),
        **report_causes.scorecard_data(scores),
        "sheet_returns": sheet_returns.report_rows(r.sheet_returns),
    }


def _volume_rows(rate: volume.ComplaintRate | None) -> tuple[list[dict[str, Any]], str]:
    """The complaint rate's table (合计, 售后 ÷ 进厂台次, 销售 ÷ 新车销售台数) and a line that
    says where the base came from or what is missing."""
    if rate is None:
        return [], ""
    v = rate.volume
    why = rate.why_none

    def row(name: str, cases: int, base_label: str, base: int | None, value) -> dict[str, Any]:
        return {
            "name": name,
            "cases": cases,
            "base_label": base_label,
            "base": "—" if base is None else base,
            "rate": headline.format_kpi("complaint_rate", value, why if v is None else "—"),
        }

    rows = [
        row(
            "合计",
            rate.cases,
            "进厂台次 + 新车销售台数",
            None if v is None else v.total,
            rate.value,
        ),
        row(
            "售后",
            rate.service_cases,
            "进厂台次",
            None if v is None else v.service_visits,
            rate.service_value,
        ),
        row(
            "销售",
            rate.sales_cases,
            "新车销售台数",
            None if v is None else v.new_car_sales,
            rate.sales_value,
        ),
    ]
    if v is not None:
        note = "投诉率 = 投诉件数 ÷ 业务量 × 1000(每千台次);业务量为各站点各月填报数之和。"
    elif not rate.whole_months:
        note = "业务量按月填报,投诉率只对整月、季度、年计算。"
    else:
        missing = "、".join(f"{s} {m}" for s, m in rate.missing)
        note = f"未填业务量:{missing}(在“统计”页点“业务量…”填写)。"
    return rows, note


def can_report(ctx: Context) -> bool:
    return auth.allowed(ctx, "stats.report")


def report_site_title(ctx: Context, sites: Sequence[str]) -> str:
    """Whose report: the sites chosen, or this office's name (its code when it has none)."""
    if sites and tuple(sites) != (ctx.site,):
        return "、".join(sites)
    info = local_site()
    return info.name if info else ctx.site


@dataclass(frozen=True)
class SavedReport:
    path: Path
    review: stats_review.Review
    data: dict[str, Any]  # what it says (report_data)
    warnings: tuple[str, ...] = ()  # e.g. the office's Word template was refused


def save_report(
    ctx: Context,
    period: Period,
    sites: Sequence[str],
    path: Path,
    *,
    templates_dir: Path | None,
    review: stats_review.Review | None = None,
    charts: Mapping[str, bytes] | None = None,
) -> SavedReport:
    """Write the period's report to ``path`` (.xlsx or .docx) and record that it left; the
    review is computed unless given (the page's, on screen). ``charts``: PNG pictures for
    the Word report's chart places (the page's charts; the command has none). A file held
    open by Excel/Word: OutputInUse before anything is computed or recorded."""
    kind = Path(path).suffix.lower()
    if kind not in KINDS:
        raise UseCaseError(f"报告文件类型应为 .xlsx 或 .docx,而不是“{Path(path).name}”")
    auth.require(ctx, "stats.report")
    template = report_docx.load_report_template(templates_dir) if kind == ".docx" else None
    with writing(path):
        if review is None:
            review = stats_review.review(ctx, period, sites)
        record_report(ctx, period, sites, Path(path).name)
        scores = scorecards.scorecards(ctx, period, sites, as_of=review.as_of)
        data = report_data(
            review,
            title_site=report_site_title(ctx, sites),
            generated=ctx.now(),
            tz=ctx.tz,
            scores=scores,
        )
        data.update(report_followup.report_part(ctx, period, sites))
        if template is None:
            report_xlsx.write_report(
                data, Path(path), extra_sheets=(report_xlsx_causes.add_sheets,)
            )
        else:
            report_docx.write_report(data, Path(path), charts=charts, template=template)
    return SavedReport(Path(path), review, data, template.warnings if template else ())


@retried  # one transaction: run again if the office server undid it
def record_report(ctx: Context, period: Period, sites: Sequence[str], out_name: str) -> None:
    """A report leaves the building: permission and audit trail."""
    auth.require(ctx, "stats.report")
    with database.atomic():
        audit.record(
            ctx,
            "stats.report",
            note=f"{period.label} {'、'.join(sites) or '全部站点'} → {out_name}",
        )

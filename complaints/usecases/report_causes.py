"""The report's cause analysis (原因分类 Pareto, causes of repeat complaints) and scorecard
(考核) as plain rows: one place decides what the Word and Excel reports and 统计 say."""

from __future__ import annotations

from typing import Any

from complaints.rules import causes
from complaints.rules import figures as fig
from complaints.usecases.causes import cause_list
from complaints.usecases.scorecards import COLUMNS, Scorecards, rows_data


def _bar(n: int, top: int, width: int = 20) -> str:
    """Block characters, as report_files draws its bars (print without a picture)."""
    return "█" * max(1, round(n / top * width)) if top > 0 and n > 0 else ""


def _rows(p: causes.Pareto) -> list[dict[str, Any]]:
    top = max((r.count for r in p.rows), default=0)
    return [
        {
            "cause": r.cause,
            "count": r.count,
            "share": f"{r.share * 100:.1f}%",
            "cumulative": f"{r.cumulative * 100:.1f}%",
            "share_value": r.share,
            "cumulative_value": r.cumulative,
            "vital": r in p.vital_few,
            "bar": _bar(r.count, top),
        }
        for r in p.rows
    ]


def cause_data(f: fig.Figures, order: list[str] | None = None) -> dict[str, Any]:
    """The period's Pareto of causes and the causes of its repeat complaints."""
    order = cause_list() if order is None else order
    by = f.by.get("cause", {})
    p = causes.pareto(by, order)
    rp = causes.repeat_causes(f.repeat_groups, by, order)
    vital = "、".join(r.cause for r in p.vital_few)
    return {
        "causes": _rows(p),
        "causes_classified": p.classified,
        "causes_unclassified": len(p.unclassified),
        "causes_vital": vital,
        "repeat_causes": _rows(rp),
        "repeat_unclassified": len(rp.unclassified),
    }


def scorecard_data(s: Scorecards | None) -> dict[str, Any]:
    """The scorecard table (rows of every group, ranked, the period before beside them)."""
    if s is None:
        return {"scorecard": [], "scorecard_columns": [], "scorecard_prev_label": ""}
    return {
        "scorecard": rows_data(s),
        "scorecard_columns": [{"key": k, "header": h} for k, h in COLUMNS],
        "scorecard_prev_label": s.previous_period.label,
    }

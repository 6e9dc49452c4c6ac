"""Time on hold in the monthly figures (hours from 暂停 to 恢复, or to the closing, or to the
figures' moment for a case still on hold)."""

from __future__ import annotations

from datetime import datetime

from complaints.rules.periods import parse_period
from complaints.usecases import report_files, stats_review, tracking
from complaints.usecases.cases import create_case
from complaints.usecases.context import CHINA_TZ


def _case(ctx, received):
    return create_case(
        ctx,
        {
            "received_at": received,
            "channel": "电话热线",
            "kind": "投诉",
            "severity": "一般投诉",
            "business": "售后",
            "content": "等配件",
            "customer_name": "李先生",
            "phone": "13800000001",
        },
    ).id


def _at(d, h):
    return datetime(2026, 10, d, h, tzinfo=CHINA_TZ)


def test_monthly_figures_report_time_on_hold(ctx):
    a = _case(ctx, _at(5, 9))
    tracking.record_action(ctx, a, "暂停", at=_at(5, 10), reason="补录", note="等待配件")
    tracking.record_action(ctx, a, "恢复", at=_at(6, 8), reason="补录", note="配件已到")
    b = _case(ctx, _at(8, 9))
    tracking.record_action(ctx, b, "暂停", at=_at(8, 10), reason="补录", note="等待客户")
    _case(ctx, _at(9, 9))  # never on hold: not counted
    as_of = _at(9, 10)  # b has been on hold for 24 hours
    r = stats_review.review(ctx, parse_period("2026-10"), [ctx.site], as_of=as_of)
    held = r.on_hold
    assert (held.n, held.mean, held.median) == (2, 23.0, 23.0)
    data = report_files.report_data(r, title_site="SH01", generated=as_of, tz=CHINA_TZ)
    row = next(d for d in data["durations"] if d["name"].startswith("暂停"))
    assert row["n"] == 2 and row["mean_hours"] == 23.0

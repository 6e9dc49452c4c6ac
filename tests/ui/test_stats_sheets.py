"""统计's 签字单回收 box: the return rate of the period's sheets, fresh when a sheet comes back."""

from __future__ import annotations

import uuid
from datetime import datetime

from complaints.usecases import cases, printed_forms
from complaints.usecases.context import CHINA_TZ
from db import printed_rows
from ui.stats import StatsPage


def at(day: int) -> datetime:
    return datetime(2026, 11, day, 10, tzinfo=CHINA_TZ)


def _print(case_id: int, form: str, day: int) -> int:
    return printed_rows.add(
        uid=str(uuid.uuid4()),
        form=form,
        case=case_id,
        printed_at=at(day),
        template_source="default",
        template_sha256="0" * 64,
        file_path=f"{uuid.uuid4().hex}.docx",
    )


def test_the_page_shows_the_return_rate_and_follows_a_return(qtbot, session, ctx):
    v = cases.blank_case(ctx)
    v.update(customer_name="张伟", content="异响", phone="13800000001", received_at=at(2))
    case_id = cases.create_case(ctx, v).id
    a = _print(case_id, "A", 2)
    printed_forms.mark_signed_returned(ctx, a, at(3))
    b = _print(case_id, "B", 4)
    page = StatsPage(session)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.review is not None, timeout=10_000)
    box = page.sheet_returns
    assert "本期打印 2 张,已回收 1 张(回收率 50.0%)" in box.summary.text()
    texts = [[label.text() for label in row] for row in box.cells]
    assert texts[0] == ["表单", "打印", "已回收", "回收率", "3日内交回", "未回收", "已超期"]
    assert [row[0] for row in texts[1:]] == [
        "顾客抱怨/投诉处理表(内部)",
        "客户投诉处理跟踪表(厂家)",
        "合计",
    ]  # forms with no sheet printed are left out
    assert texts[-1] == ["合计", "2", "1", "50.0%", "1", "1", "1"]

    page.show()
    qtbot.waitExposed(page)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        session.run_now(lambda: printed_forms.mark_signed_returned(ctx, b, at(19)))
    assert [label.text() for label in box.cells[-1]] == ["合计", "2", "2", "100.0%", "1", "0", "0"]

"""统计 page: figures and charts from the worker, period picker, the cases behind a card or
a bar, refresh on changes, the Excel and Word reports (the Word one with chart pictures)."""

from __future__ import annotations

import dataclasses
import zipfile
from datetime import datetime

import pytest
from PySide6.QtCore import Qt

from complaints.rules.periods import PeriodKind
from complaints.usecases import cases
from complaints.usecases.context import CHINA_TZ
from ui.stats import StatsPage


def new_case(ctx, day, **over) -> int:
    v = cases.blank_case(ctx)
    v.update(
        customer_name="张伟",
        content="保养后发动机异响",
        business="售后",
        received_at=datetime(2026, 11, day, 9, tzinfo=CHINA_TZ),
        phone="13800000001",
    )
    v.update(over)
    return cases.create_case(ctx, v).id


@pytest.fixture
def three(ctx):
    return (
        new_case(ctx, 2),
        new_case(ctx, 3, channel="电话热线"),
        new_case(ctx, 18, channel="电话热线", kind="抱怨", phone="13900000000"),
    )


def make_page(qtbot, session) -> StatsPage:
    page = StatsPage(session)
    qtbot.addWidget(page)
    page.resize(1400, 900)
    qtbot.waitUntil(lambda: page.review is not None, timeout=10_000)
    return page


def test_page_shows_the_month(qtbot, session, three):
    page = make_page(qtbot, session)
    assert page.period.code == "2026-11"  # the ctx clock is 20 Nov
    assert page.cards["total"].value.text() == "3 件"
    assert page.cards["complaints"].value.text() == "2 件"
    assert page.cards["repeat"].value.text() == "1 位"  # cases 1 and 2 share a phone
    qtbot.waitUntil(lambda: "环比 +3 件" in page.cards["total"].change.text(), timeout=10_000)
    assert set(page.chart_views) == {
        "chart_channel",
        "chart_department",
        "chart_trend",
        "chart_satisfaction",
    }
    assert page.review.trend[-1] == ("2026-11", 3)


def test_a_bar_and_a_card_list_their_cases(qtbot, session, three):
    page = make_page(qtbot, session)
    channels = list(page.review.figures.by["channel"])
    dlg = page.open_bucket("channel", channels.index("电话热线"))
    qtbot.waitUntil(lambda: dlg.loaded, timeout=10_000)
    assert dlg.table.rowCount() == 2
    numbers = {dlg.table.item(r, 0).text() for r in range(2)}
    assert all(n.startswith("SH01-202611-") for n in numbers)
    with qtbot.waitSignal(session.open_case_requested) as sig:
        dlg.table.doubleClicked.emit(dlg.table.model().index(0, 2))
    assert sig.args[0] in three[1:]

    qtbot.mouseClick(page.cards["repeat"], Qt.MouseButton.LeftButton)
    dlg2 = page.dialogs[-1]
    qtbot.waitUntil(lambda: dlg2.loaded, timeout=10_000)
    assert dlg2.table.rowCount() == 2 and "重复投诉" in dlg2.windowTitle()


def test_period_picker(qtbot, session, three):
    page = make_page(qtbot, session)
    page.review = None
    qtbot.mouseClick(page.prev_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.review is not None, timeout=10_000)
    assert page.period_label.text() == "2026年10月"
    assert page.cards["total"].value.text() == "0 件"
    page.kind.setCurrentIndex(page.kind.findData(PeriodKind.HALF.value))
    assert page.period.code == "2026-10b"
    qtbot.mouseClick(page.next_btn, Qt.MouseButton.LeftButton)
    assert page.period.code == "2026-11a"
    qtbot.waitUntil(lambda: page.review.figures.period.code == "2026-11a", timeout=10_000)
    assert page.cards["total"].value.text() == "2 件"
    page.kind.setCurrentIndex(page.kind.findData(PeriodKind.CUSTOM.value))
    assert page.date_from.isVisibleTo(page) and not page.period_label.isVisibleTo(page)
    page.date_to.setDate(page.date_to.date().addDays(10))  # 1–25 Nov
    qtbot.waitUntil(
        lambda: page.review.figures.period.code == "2026-11-01..2026-11-25", timeout=10_000
    )
    assert page.cards["total"].value.text() == "3 件"
    assert not page.site.isVisibleTo(page)  # one site only: no site picker


def test_refreshes_when_cases_change(qtbot, session, ctx, three):
    page = make_page(qtbot, session)
    page.show()
    qtbot.waitExposed(page)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        session.run_now(lambda: new_case(ctx, 19))
    assert page.cards["total"].value.text() == "4 件"


def test_reports_from_the_page(qtbot, session, three, tmp_path):
    page = make_page(qtbot, session)
    with qtbot.waitSignal(page.report_saved, timeout=20_000):
        page.save_report("docx", tmp_path / "r.docx")
    with zipfile.ZipFile(tmp_path / "r.docx") as z:
        pictures = [n for n in z.namelist() if n.startswith("word/media/")]
    assert len(pictures) == 4  # the four charts as pictures
    with qtbot.waitSignal(page.report_saved, timeout=20_000):
        page.save_report("xlsx", tmp_path / "r.xlsx")
    with zipfile.ZipFile(tmp_path / "r.xlsx") as z:
        assert any(n.startswith("xl/charts/") for n in z.namelist())


def test_report_buttons_follow_the_permission(qtbot, session, ctx, three):
    session.set_user(dataclasses.replace(ctx, roles=frozenset({"客服专员"})))
    page = make_page(qtbot, session)
    assert not page.xlsx_btn.isEnabled() and not page.docx_btn.isEnabled()
    assert page.cards["total"].value.text() == "3 件"  # 客服专员 may still view


def test_business_volume_gives_the_complaint_rate(qtbot, session, three):
    page = make_page(qtbot, session)
    page.show()  # a visible page refreshes at once when data change
    card = page.cards["complaint_rate"]
    assert card.value.text() == "未填业务量"  # never 0 ‰ without a volume
    assert "SH01 2026-11" in card.toolTip()
    dlg = page.open_card("complaint_rate")  # the card opens the volume dialog
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.ready, timeout=10_000)
    assert dlg.months == ["2026-11"]
    dlg.set_row("2026-11", "abc", 1)
    dlg.save()
    assert "整数" in dlg.error.text()
    dlg.set_row("2026-11", 600, 150)  # 3 cases ÷ 750 × 1000
    with qtbot.waitSignal(dlg.saved, timeout=10_000):
        dlg.save()
    qtbot.waitUntil(lambda: card.value.text() == "4.00‰", timeout=10_000)
    assert "售后:5.00‰" in card.toolTip()  # 3 ÷ 600
    page.set_period(
        page.period.__class__(PeriodKind.HALF, page.period.start, page.period.start.replace(day=16))
    )
    qtbot.waitUntil(lambda: card.value.text() == "按整月计算", timeout=10_000)


def test_volume_needs_the_report_permission(qtbot, session, ctx, three):
    session.set_user(dataclasses.replace(ctx, roles=frozenset({"客服专员"})))
    page = make_page(qtbot, session)
    assert not page.volume_btn.isEnabled()
    dlg = page.open_card("complaint_rate")  # lists the period's cases instead
    qtbot.addWidget(dlg)
    assert not hasattr(dlg, "months")


def test_the_time_on_hold_shows_under_the_cards(qtbot, session, ctx, three):
    from complaints.usecases import tracking

    page = make_page(qtbot, session)
    assert page.hold_line.isHidden()  # nothing on hold: nothing said
    at = datetime(2026, 11, 19, 10, tzinfo=CHINA_TZ)
    ctx_at = dataclasses.replace(ctx, clock=lambda: at)
    tracking.record_action(ctx_at, three[0], "暂停", note="等待配件")
    back = dataclasses.replace(ctx, clock=lambda: datetime(2026, 11, 19, 16, tzinfo=CHINA_TZ))
    tracking.record_action(back, three[0], "恢复")
    page.refresh()
    qtbot.waitUntil(lambda: not page.hold_line.isHidden(), timeout=10_000)
    assert "1 件" in page.hold_line.text() and "平均 6.0 小时" in page.hold_line.text()

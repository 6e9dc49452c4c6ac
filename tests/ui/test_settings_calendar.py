"""设置 → 工作日历 (issue 20 §1): the year as twelve months, a file imported, a date edited."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QDate
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QTableView

from complaints.usecases import workcalendar
from tests.ui.helpers import idle
from ui.settings_calendar import OFF_COLOUR, WORK_COLOUR, CalendarTab
from ui.settings_page import SETTINGS_TABS


def make(qtbot, session) -> CalendarTab:
    tab = CalendarTab(session)
    qtbot.addWidget(tab)
    tab.resize(1100, 900)
    tab.show()
    idle(session)
    return tab


def bg(tab, y, m, d):
    return tab.months[m - 1].dateTextFormat(QDate(y, m, d)).background().color()


def test_shipped_year_laid_out(qtbot, session):
    tab = make(qtbot, session)
    assert ("工作日历", "ui.settings_calendar:CalendarTab") in SETTINGS_TABS
    assert tab.year.value() == 2026 and "chinesecalendar 1.11.0" in tab.source.text()
    assert bg(tab, 2026, 10, 1) == OFF_COLOUR and bg(tab, 2026, 10, 10) == WORK_COLOUR
    assert tab.import_button.isEnabled()
    tab.year.setValue(2027)
    idle(session)
    assert "2027 年没有日历数据" in tab.source.text()


def test_import_and_edit_a_date(qtbot, session, tmp_path):
    tab = make(qtbot, session)
    f = tmp_path / "2027.csv"
    f.write_text("日期,类型,名称\n2027-01-01,休息日,元旦\n", encoding="utf-8")
    tab.import_file(f)
    idle(session)
    assert tab.year.value() == 2027 and "已导入 2027 年" in tab.message.text()
    assert bg(tab, 2027, 1, 1) == OFF_COLOUR
    # Sunday 2027-02-07 becomes a make-up workday.
    tab._picked(QDate(2027, 2, 7))
    tab.kind.setCurrentIndex(tab.kind.findData(False))
    tab.name.setText("春节")
    tab.apply_button.click()
    idle(session)
    assert bg(tab, 2027, 2, 7) == WORK_COLOUR and bg(tab, 2027, 1, 1) == OFF_COLOUR
    assert "手工编辑" in tab.source.text()
    # A bad file: the message names the row, nothing changes.
    bad = tmp_path / "bad.csv"
    bad.write_text("日期,类型\n2027-02-30,休息日\n", encoding="utf-8")
    tab.import_file(bad)
    idle(session)
    assert "bad.csv 第 2 行“日期”列" in tab.message.text()
    assert [m.day.isoformat() for m in workcalendar.year_view(2027).marks] == [
        "2027-01-01",
        "2027-02-07",
    ]


def test_read_only_without_permission(qtbot, session, ctx):
    session.set_user(dataclasses.replace(ctx, roles=frozenset({"客服专员"})))
    tab = make(qtbot, session)
    assert not tab.import_button.isEnabled() and not tab.apply_button.isEnabled()
    assert "没有修改工作日历的权限" in tab.message.text()


def test_every_month_shows_its_seven_weekdays_on_a_1366x768_screen(qtbot, session):
    """A month box narrower than its seven columns scrolls sideways and hides a weekday.
    Built in the Chinese font the program prefers (ui/fonts.py): its weekday names are
    what make a column wide."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    plain = app.font()
    font = QFont(plain)
    font.setFamilies(["Noto Sans CJK SC", *plain.families()])
    app.setFont(font)
    try:
        tab = make(qtbot, session)
    finally:
        app.setFont(plain)
    # the settings page beside the navigation, in the window a 1366x768 screen opens with
    tab.resize(1060, 600)
    idle(session)
    for month in tab.months:
        view = month.findChild(QTableView)
        assert view.horizontalScrollBar().maximum() == 0
        header = view.horizontalHeader()
        assert sum(header.sectionSize(i) for i in range(7)) <= view.viewport().width()
    # fewer months a row rather than a year that scrolls sideways (the year's area asks
    # for a row of four, which a 1366x768 window gives it: three or four fit here)
    qtbot.waitUntil(lambda: not tab.year_area.horizontalScrollBar().isVisible())
    assert tab.columns in (3, 4)
    tab.resize(1400, 600)
    qtbot.waitUntil(lambda: tab.columns == 4)
    assert not tab.year_area.horizontalScrollBar().isVisible()

"""Deadline notifications without a tray (offscreen has none): once per (case, rule, status)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from PySide6.QtWidgets import QMainWindow, QSystemTrayIcon

from complaints.rules.deadlines import DeadlineStatus
from complaints.usecases import cases, tracking
from complaints.usecases.changes import OpChanges
from complaints.usecases.context import CHINA_TZ
from tests.ui.helpers import idle
from ui.notifier import Notifier, compose

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=CHINA_TZ)


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def new_case(ctx, **over) -> int:
    v = cases.blank_case(ctx)
    v.update(
        customer_name="张伟", content="异响", received_at=T0, business="售后", channel="电话热线"
    )
    v.update(over)
    return cases.create_case(ctx, v).id


def setup(qtbot, session, ctx, now):
    clock = Clock(now)
    session.set_user(dataclasses.replace(ctx, clock=clock))
    window = QMainWindow()
    qtbot.addWidget(window)
    n = Notifier(session, window, use_tray=False)
    got: list[list] = []
    n.notified.connect(got.append)
    return clock, window, n, got


def test_no_tray_offscreen_means_an_in_window_notice(qtbot, session, ctx):
    n = Notifier(session, None)
    assert (n.tray is None) == (not QSystemTrayIcon.isSystemTrayAvailable())


def test_each_item_is_announced_once_per_status(qtbot, session, ctx):
    cid = new_case(ctx)
    tracking.record_action(
        ctx, cid, "升级", to="售后站长", at=T0 + timedelta(minutes=1), reason="现场口头升级"
    )  # D3 met
    clock, window, n, got = setup(qtbot, session, ctx, T0 + timedelta(minutes=2))
    n.start()
    idle(session)
    assert got == []  # D1 due 11:00, plenty of time; D3 met (late)
    assert n.timer.isActive()
    clock.now = T0 + timedelta(minutes=95)  # 25 min left of 2 h: at risk
    n.check()
    idle(session)
    assert [[(i.case_id, i.rule, i.status) for i in batch] for batch in got] == [
        [(cid, "D1", DeadlineStatus.AT_RISK)]
    ]
    assert "将到期" in window.statusBar().currentMessage()
    n.check()  # nothing new
    session.changed.emit(OpChanges.of("cases"))  # a change elsewhere re-reads: nothing new
    idle(session)
    assert len(got) == 1
    clock.now = T0 + timedelta(hours=2, minutes=1)
    n.check()
    idle(session)
    assert len(got) == 2 and got[1][0].status is DeadlineStatus.OVERDUE
    assert "已逾期" in window.statusBar().currentMessage()
    assert "处理时限提醒" in n.messages[-1][0]
    n.check()
    idle(session)
    assert len(got) == 2
    n.stop()


def test_what_is_overdue_at_start_is_one_message(qtbot, session, ctx):
    ids = [new_case(ctx) for _ in range(8)]
    _clock, _window, n, got = setup(qtbot, session, ctx, T0 + timedelta(hours=3))
    n.start()
    idle(session)
    assert len(got) == 1
    assert {i.case_id for i in got[0]} == set(ids)
    title, text = n.messages[0]
    assert "已逾期" in title
    assert "另有" in text  # more than five items: the rest is on the 待办 page
    n.stop()


def test_met_deadline_is_not_announced(qtbot, session, ctx):
    cid = new_case(ctx)
    tracking.record_action(ctx, cid, "联系客户")
    tracking.record_action(ctx, cid, "升级", to="售后站长")
    _clock, _window, n, got = setup(qtbot, session, ctx, T0 + timedelta(hours=3))
    n.start()
    idle(session)
    rules = {i.rule for batch in got for i in batch}
    assert "D1" not in rules  # contacted in time
    n.stop()


def test_compose_text(ctx):
    assert compose([], ctx.tz)[1] == ""


def test_the_todo_count_shows_before_the_page_is_opened(qtbot, session, ctx, qsettings):
    from ui.main_window import MainWindow

    new_case(ctx)  # received 09:00: D3 (5 minutes) and D1 (2 hours) overdue at 12:00
    session.set_user(dataclasses.replace(ctx, clock=Clock(T0 + timedelta(hours=3))))
    window = MainWindow(session, settings=qsettings)
    qtbot.addWidget(window)
    row = window.page_keys().index("todo")
    window.show_page("cases")
    assert window.page("todo") is None
    n = Notifier(session, window, use_tray=False)
    n.start()
    qtbot.waitUntil(lambda: window.nav.item(row).text() == "待办 (2)")  # D1 and D3 overdue
    assert window.page("todo") is None  # counted without building the page

"""待办 page: what todo.open_deadlines returns, filters, count, opening, refresh, print, CSV."""

from __future__ import annotations

import csv
import dataclasses
from datetime import datetime, timedelta

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QMainWindow

from complaints.rules.deadlines import DeadlineStatus
from complaints.usecases import cases, todo, tracking
from complaints.usecases.context import CHINA_TZ
from complaints.usecases.todo import format_remaining
from tests.ui.helpers import idle
from ui.todo import NOBODY, TodoPage

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=CHINA_TZ)  # the ctx fixture's clock is 09:30


def new_case(ctx, **over) -> int:
    v = cases.blank_case(ctx)
    v.update(
        customer_name="张伟",
        content="保养后发动机异响",
        received_at=T0,
        business="售后",
        area="维修技术",
    )
    v.update(over)
    return cases.create_case(ctx, v).id


@pytest.fixture
def three(ctx):
    """An on-site case (D3 overdue), a dispatched hotline case at the workshop with a
    responsible person, a sales callback case in 销售部."""
    a = new_case(ctx)
    b = new_case(ctx, channel="电话热线", received_at=T0 - timedelta(minutes=65))
    tracking.record_action(ctx, b, "派单", department="车间")
    tracking.record_action(ctx, b, "指定责任人", person="李师傅")
    c = new_case(
        ctx, channel="销售回访", business="销售", area=None, received_at=T0 + timedelta(minutes=10)
    )
    tracking.record_action(ctx, c, "派单", department="销售部")
    return a, b, c


def make_page(qtbot, session) -> TodoPage:
    page = TodoPage(session)
    qtbot.addWidget(page)
    page.resize(1300, 700)
    page.show()
    qtbot.waitUntil(lambda: page.data is not None)
    idle(session)
    return page


def keys(items):
    return [(i.case_id, i.rule) for i in items]


def test_page_shows_open_deadlines_overdue_first(qtbot, session, ctx, three):
    page = make_page(qtbot, session)
    expected = todo.open_deadlines(ctx)
    assert keys(page.shown_items()) == keys(expected) and expected
    assert page.model.rowCount() == len(expected)
    statuses = [i.status for i in page.shown_items()]
    first_not_overdue = next(k for k, s in enumerate(statuses) if s is not DeadlineStatus.OVERDUE)
    assert all(s is not DeadlineStatus.OVERDUE for s in statuses[first_not_overdue:])
    # colours by status
    m = page.model
    for r, i in enumerate(page.shown_items()):
        bg = m.data(m.index(r, 0), role=8)  # BackgroundRole
        if i.status is DeadlineStatus.OVERDUE:
            assert bg.color() == QColor("#fdecea")
        elif i.status is DeadlineStatus.AT_RISK:
            assert bg.color() == QColor("#fff4e5")
    assert m.data(m.index(0, 1)) == page.shown_items()[0].number
    assert m.data(m.index(0, 6)) == format_remaining(page.shown_items()[0].remaining)


def test_badge_count_is_todo_count(qtbot, session, ctx, three):
    page = make_page(qtbot, session)
    assert page.badge_count() == todo.todo_count(ctx) > 0


def test_filters_by_department_and_person(qtbot, session, ctx, three):
    a, b, c = three
    page = make_page(qtbot, session)
    page.department.setCurrentIndex(page.department.findData("售后服务部"))  # includes 车间
    assert keys(page.shown_items()) == keys(todo.open_deadlines(ctx, department="售后服务部"))
    assert {i.case_id for i in page.shown_items()} == {b}
    page.department.setCurrentIndex(page.department.findData("销售部"))
    assert {i.case_id for i in page.shown_items()} == {c}
    page.department.setCurrentIndex(0)
    page.person.setCurrentIndex(page.person.findData("李师傅"))
    assert keys(page.shown_items()) == keys(todo.open_deadlines(ctx, person="李师傅"))
    page.person.setCurrentIndex(page.person.findData(NOBODY))
    assert {i.case_id for i in page.shown_items()} == {a, c}
    page.person.setCurrentIndex(0)
    page.urgent.setChecked(True)
    assert all(
        i.status in (DeadlineStatus.OVERDUE, DeadlineStatus.AT_RISK) for i in page.shown_items()
    )
    assert len(page.shown_items()) == page.badge_count()


def test_a_department_manager_opens_on_his_department(qtbot, session, ctx, three):
    """售后服务部's manager sees his department's deadlines (车间 below it) first, and the
    count beside 待办 stays the one his reminders gave before the page was opened."""
    a, b, c = three
    manager = dataclasses.replace(
        ctx, user_id=7, roles=frozenset({"部门经理"}), department="售后服务部"
    )
    session.set_user(manager)
    page = make_page(qtbot, session)
    assert page.department.currentData() == "售后服务部"
    assert {i.case_id for i in page.shown_items()} == {b}
    assert page.badge_count() == todo.todo_count(manager, department="售后服务部")
    page.department.setCurrentIndex(0)  # he may still look at every department
    assert {i.case_id for i in page.shown_items()} == {a, b, c}
    page.reload()
    idle(session)
    assert page.department.currentIndex() == 0  # a refresh keeps what he chose


def test_double_click_opens_the_case(qtbot, session, ctx, three):
    page = make_page(qtbot, session)
    index = page.model.index(0, 3)
    with qtbot.waitSignal(session.open_case_requested) as sig:
        page.view.doubleClicked.emit(index)
    assert sig.args == [page.shown_items()[0].case_id]


def test_refreshes_on_change_and_sets_its_timer(qtbot, session, ctx, three):
    a, _b, _c = three
    page = make_page(qtbot, session)
    assert page.timer.isActive() and 1_000 <= page.timer.interval() <= 5 * 60_000
    before = {(i.case_id, i.rule) for i in page.shown_items()}
    assert (a, "D1") in before
    session.run_now(lambda: tracking.record_action(ctx, a, "联系客户"))
    qtbot.waitUntil(lambda: (a, "D1") not in keys(page.shown_items()))
    idle(session)


def test_badge_reaches_the_main_window(qtbot, session, ctx, three):
    from ui.main_window import MainWindow

    w = MainWindow(session)
    qtbot.addWidget(w)
    page = w.show_page("todo")
    assert isinstance(page, TodoPage)
    qtbot.waitUntil(lambda: page.data is not None)
    idle(session)
    item = w.nav.item(w.page_keys().index("todo"))
    assert item.text() == f"待办 ({todo.todo_count(ctx)})"
    assert isinstance(w, QMainWindow)


def test_print_html_pdf_and_csv(qtbot, session, ctx, three, tmp_path):
    page = make_page(qtbot, session)
    items = page.shown_items()
    html = page.html()
    assert "待办事项(晨会)" in html and all(i.number in html for i in items)
    pdf = tmp_path / "todo.pdf"
    page.print_to_pdf(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    out = tmp_path / "todo.csv"
    assert page.export_csv(out) == len(items)
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0][:3] == ["状态", "编号", "规则"]
    assert [(r[1], r[2]) for r in rows[1:]] == [(i.number, i.rule) for i in items]
    # the file the todo command writes for the same items (one use case for both)
    cli = tmp_path / "cli.csv"
    todo.save_csv(todo.open_deadlines(ctx), ctx.tz, cli)
    assert out.read_bytes() == cli.read_bytes()
    m = page.model
    for r, i in enumerate(items):
        assert [m.data(m.index(r, c)) for c in range(m.columnCount())] == list(
            todo.item_cells(i, ctx.tz)
        )


def test_empty_list(qtbot, session, ctx):
    page = make_page(qtbot, session)
    assert page.shown_items() == [] and page.badge_count() == 0
    assert "没有未完成的处理时限" in page.html()


def test_timer_moves_items_on(qtbot, session, ctx):
    import dataclasses

    class Clock:
        now = T0 + timedelta(minutes=10)

        def __call__(self):
            return self.now

    clock = Clock()
    session.set_user(dataclasses.replace(ctx, clock=clock))
    cid = new_case(ctx, channel="电话热线")
    tracking.record_action(
        ctx, cid, "升级", to="售后站长", at=T0 + timedelta(minutes=1), reason="现场口头升级"
    )
    page = make_page(qtbot, session)
    d1 = next(i for i in page.shown_items() if i.rule == "D1")
    assert d1.status is DeadlineStatus.PENDING and page.badge_count() == 0
    # the timer is set to the moment D1 turns 将到期 (a quarter of 2 h left: 10:30)
    assert page.timer.interval() == 5 * 60_000  # capped; 80 minutes away
    clock.now = T0 + timedelta(minutes=91)
    page.timer.timeout.emit()
    qtbot.waitUntil(lambda: page.badge_count() == 1)
    idle(session)
    d1 = next(i for i in page.shown_items() if i.rule == "D1")
    assert d1.status is DeadlineStatus.AT_RISK

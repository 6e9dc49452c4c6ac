"""Writes say what they changed: a task that writes makes the session emit one
``changed(OpChanges)`` before its callback, with no call saying so, and pages refresh from it;
a task that only reads says nothing."""

from __future__ import annotations

import pytest

from complaints.query import CaseFilter
from complaints.usecases import cases, form_templates
from complaints.usecases.changes import OpChanges
from forms.templates import FORM_TITLES
from tests.ui.helpers import idle
from ui.case_list import CaseListPage
from ui.reload import ReloadGuard


def _new_case(ctx, name: str) -> int:
    values = cases.blank_case(ctx)
    values.update(customer_name=name, content="车内异响")
    return cases.create_case(ctx, values).id


@pytest.fixture
def told(session):
    got: list[OpChanges] = []
    session.changed.connect(got.append)
    return got


def test_a_write_through_the_task_manager_refreshes_the_case_list(qtbot, session, ctx, told):
    _new_case(ctx, "张伟")
    page = CaseListPage(session)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    with qtbot.waitSignal(page.ids_loaded, timeout=5000) as blocker:
        session.taskman.run(lambda: _new_case(ctx, "王芳"))  # no callback, no notice by hand
    assert blocker.args[0] == 2
    idle(session)
    assert len([c for c in told if "cases" in c]) == 1


def test_one_notice_comes_before_the_callback(qtbot, session, ctx, told):
    order: list[object] = []
    session.changed.connect(order.append)
    session.taskman.run(
        lambda: (_new_case(ctx, "甲"), _new_case(ctx, "乙")), lambda _r: order.append("done")
    )
    idle(session)
    assert len(order) == 2 and order[1] == "done"
    assert isinstance(order[0], OpChanges) and {"cases", "entries"} <= order[0].topics


def test_a_read_only_task_says_nothing(qtbot, session, ctx, told):
    case_id = _new_case(ctx, "李娜")
    got: list[object] = []
    session.taskman.run(lambda: cases.get_case(case_id), got.append)
    session.taskman.run(lambda: cases.case_ids(CaseFilter()), got.append)
    idle(session)
    assert len(got) == 2 and told == []


def test_a_task_that_failed_after_writing_still_says_what_it_wrote(qtbot, session, ctx, told):
    order: list[object] = []
    session.changed.connect(lambda c: order.append("changed"))

    def half() -> None:
        _new_case(ctx, "刘洋")
        raise RuntimeError("the second step failed")

    session.taskman.run(half, on_error=lambda e: order.append(str(e)))
    idle(session)
    assert order == ["changed", "the second step failed"]
    assert "cases" in told[0]


def test_a_write_on_the_gui_thread_goes_through_run_now(qtbot, session, ctx, told):
    case_id = session.run_now(lambda: _new_case(ctx, "陈静"))
    assert cases.get_case(case_id)["customer_name"] == "陈静"
    assert len(told) == 1 and "cases" in told[0]
    assert session.run_now(lambda: cases.get_case(case_id))["id"] == case_id
    assert len(told) == 1  # a read says nothing


def test_a_template_file_says_forms(qtbot, session, ctx, told, tmp_path):
    form = next(iter(FORM_TITLES))
    session.taskman.run(lambda: form_templates.copy_default_template(ctx, form, tmp_path / "t"))
    idle(session)
    assert told and all("forms" in c for c in told)


def test_the_reload_guard_reads_once_more_after_a_burst():
    started: list[int] = []
    guard = ReloadGuard(lambda: started.append(1))
    guard.request()
    guard.request()
    guard.request()  # three changes while the first read runs
    assert len(started) == 1 and guard.loading
    guard.done()
    assert len(started) == 2 and guard.loading  # one more read, not three
    guard.done()
    assert len(started) == 2 and not guard.loading
    guard.request()
    guard.failed()
    assert not guard.loading
    guard.request()
    assert len(started) == 4


def test_opening_every_page_writes_nothing_a_page_shows(qtbot, session, qsettings, stats_demo):
    """A page whose read wrote something shown would refresh itself for ever."""
    from ui.main_window import MainWindow

    told_now: list[OpChanges] = []
    session.changed.connect(told_now.append)
    w = MainWindow(session, settings=qsettings)
    qtbot.addWidget(w)
    w.show()
    for key in w.page_keys():
        w.show_page(key)
        idle(session)
    assert told_now == []

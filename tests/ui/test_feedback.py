"""Feedback a clerk notices (issue 17 §5): a toast after what changed data, file dialogs in
the last folder with a dated name, the office's clock whatever the PC's zone."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from complaints.usecases import cases
from ui.exchange_page import ExchangePage
from ui.toast import last_toast


def test_export_suggests_a_dated_name_remembers_the_folder_and_confirms(
    qtbot, session, ctx, tmp_path, monkeypatch
):
    v = cases.blank_case(ctx)
    v.update(customer_name="张伟", content="异响")
    cases.create_case(ctx, v)
    asked = []
    target = tmp_path / "out" / "x.xlsx"
    target.parent.mkdir()

    def fake_save(parent, title, start, file_filter):
        asked.append(start)
        return str(target), file_filter

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake_save))
    page = ExchangePage(session)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.exported, timeout=10_000):
        page._ask_export()
    assert Path(asked[0]).name == "SH01_台账_2026-11-20.xlsx"  # the office's date
    assert last_toast(page).startswith("已导出台账:投诉 1 行")
    page._ask_export()  # the next time: the folder used last
    assert Path(asked[1]).parent == target.parent
    session.taskman.wait_idle()


def test_since_box_shows_the_office_clock(qtbot, session, ctx):
    """With TZ=America/New_York the PC's clock is 13 hours behind the office's: the box
    shows the office's time (a month ago), not the PC's."""
    page = ExchangePage(session)
    qtbot.addWidget(page)
    shown = page.since.dateTime().toPython()
    expected = (ctx.local(ctx.now()) - timedelta(days=30)).replace(
        tzinfo=None, second=0, microsecond=0
    )
    assert shown == expected


def test_todo_and_audit_exports_suggest_dated_names(qtbot, session, tmp_path, monkeypatch):
    from ui.audit_page import AuditPage
    from ui.todo import TodoPage

    asked = []

    def fake_save(parent, title, start, file_filter):
        asked.append(Path(start).name)
        return "", file_filter  # cancelled: nothing written

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake_save))
    todo = TodoPage(session)
    qtbot.addWidget(todo)
    todo.export_csv_dialog()
    audit_page = AuditPage(session)
    qtbot.addWidget(audit_page)
    audit_page.export()
    assert asked == ["SH01_待办_2026-11-20.csv", "SH01_审计日志_2026-11-20.xlsx"]
    session.taskman.wait_idle()

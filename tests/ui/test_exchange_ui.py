"""数据交换 and 冲突 pages: export, preview, import with progress, drag and drop,
rejected rows, conflicts resolved from the page."""

from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path

from openpyxl import load_workbook
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from complaints.usecases import cases, ledger_export, ledger_import
from tests.ledger.helpers import new_case, snapshot
from ui.conflicts_page import ConflictsPage
from ui.exchange_page import ExchangePage


def _cell_texts(table, col):
    return [table.item(r, col).text() for r in range(table.rowCount())]


def _foreign_copy(src, dest, *, site="BJ02", revision=1, content=None, uid=None):
    """The exported file turned into another site's ledger of one case (no entries)."""
    wb = load_workbook(src)
    ws = wb["投诉台账"]
    h = [c.value for c in ws[1]]
    ws.cell(2, h.index("所属站点") + 1).value = site
    ws.cell(2, h.index("记录ID") + 1).value = uid or str(uuid.uuid4())
    ws.cell(2, h.index("编号") + 1).value = "BJ02-202611-0001"
    ws.cell(2, h.index("修订号") + 1).value = revision
    ws.cell(2, h.index("版本指纹") + 1).value = None  # a hand-made row names no version
    if content:
        ws.cell(2, h.index("投诉内容") + 1).value = content
    ws.delete_rows(3, ws.max_row)
    wb["跟踪记录"].delete_rows(2, wb["跟踪记录"].max_row)
    for row in wb["说明"].iter_rows(min_row=2):
        if row[0].value == "站点代码":
            row[1].value = site
        if row[0].value in ("投诉台账行数", "跟踪记录行数"):
            row[1].value = 1 if row[0].value == "投诉台账行数" else 0
    wb.save(dest)
    return dest


def page_and_foreign_file(qtbot, session, ctx, tmp_path):
    """The 数据交换 page, and another site's ledger holding this site's one case."""
    new_case(ctx)
    out = tmp_path / "out.xlsx"
    ledger_export.export_ledger(ctx, out)
    foreign = _foreign_copy(out, tmp_path / "bj02.xlsx")
    page = ExchangePage(session)
    qtbot.addWidget(page)
    return page, foreign


def test_export_preview_import_and_rejects(qtbot, session, ctx, tmp_path):
    new_case(ctx)
    new_case(ctx, customer_name="李雷")
    page = ExchangePage(session)
    qtbot.addWidget(page)
    out = tmp_path / "out.xlsx"
    with qtbot.waitSignal(page.exported, timeout=10_000):
        page.export_to(out)
    assert out.exists() and "投诉台账 2 行" in page.export_status.text()

    bad = tmp_path / "bad.xlsx"
    wb = load_workbook(out)
    ws = wb["投诉台账"]
    ws.cell(2, [c.value for c in ws[1]].index("渠道") + 1).value = "飞鸽传书"
    wb.save(bad)
    foreign = _foreign_copy(out, tmp_path / "bj02.xlsx")
    with qtbot.waitSignal(page.checked, timeout=10_000):
        page.check_files([bad, foreign])
    assert page.import_button.isEnabled()
    sheets = _cell_texts(page.preview_table, 2)
    assert sheets.count("投诉台账") == 2
    rejected = _cell_texts(page.rejects_table, 4)
    assert any("飞鸽传书" in r for r in rejected)
    assert page.save_rejects_button.isEnabled()
    with qtbot.waitSignal(page.imported, timeout=10_000) as blocker:
        page.apply_checked()
    report = blocker.args[0]
    assert report.applied and report.totals()["投诉台账"].new == 1
    assert "导入完成" in page.messages.toPlainText()
    rejects = tmp_path / "rejects.xlsx"
    page.save_rejects(rejects)
    session.taskman.wait_idle()
    assert rejects.exists()
    page.reload_history()
    session.taskman.wait_idle()
    assert "BJ02" in _cell_texts(page.last_table, 0)


def test_drop_xlsx_files_onto_the_page_checks_them(qtbot, session, ctx, tmp_path):
    new_case(ctx)
    page = ExchangePage(session)
    qtbot.addWidget(page)
    out = tmp_path / "drop.xlsx"
    ledger_export.export_ledger(ctx, out)
    md = QMimeData()
    md.setUrls([QUrl.fromLocalFile(str(out)), QUrl.fromLocalFile(str(tmp_path / "x.txt"))])
    event = QDropEvent(
        QPointF(5, 5),
        Qt.DropAction.CopyAction,
        md,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(page.checked, timeout=10_000) as blocker:
        page.dropEvent(event)
    assert [f.path for f in blocker.args[0].files] == [out]
    assert page.tabs.currentIndex() == 1


def test_conflict_shown_side_by_side_and_resolved(qtbot, session, ctx, tmp_path):
    new_case(ctx)
    out = tmp_path / "out.xlsx"
    ledger_export.export_ledger(ctx, out)
    uid = str(uuid.uuid4())
    ledger_import.apply_import(ctx, [_foreign_copy(out, tmp_path / "r1.xlsx", uid=uid)])
    local_id = cases.find_case_id("BJ02-202611-0001")
    cases.update_case(ctx, local_id, {"gm_instruction": "本店批示"})  # edited here, not owner
    ledger_import.apply_import(
        ctx, [_foreign_copy(out, tmp_path / "r2.xlsx", uid=uid, revision=2, content="对方的新内容")]
    )
    page = ConflictsPage(session)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.list.count() == 1, timeout=10_000)
    fields = {
        page.table.item(r, 0).text(): (page.table.item(r, 1).text(), page.table.item(r, 2).text())
        for r in range(page.table.rowCount())
    }
    assert fields["投诉内容"][1] == "对方的新内容"
    assert fields["总经理批示"] == ("本店批示", "")
    assert page.badge_count() == 1
    with qtbot.waitSignal(page.resolved, timeout=10_000):
        page.resolve("incoming", confirm=False)
    qtbot.waitUntil(lambda: page.list.count() == 0, timeout=10_000)
    assert cases.get_case(local_id)["content"] == "对方的新内容"


def test_page_lists_the_first_thousand_rejected_rows_and_counts_the_rest(
    qtbot, session, ctx, tmp_path
):
    """Issue 15 §3: a file of many bad rows is listed in part, the rest counted."""
    import os

    from ledger import store
    from ledger.export import LedgerMeta, write_ledger
    from ui.exchange_page import REJECTS_SHOWN

    new_case(ctx)
    case = next(store.iter_records("cases", sites=None, since=None))
    bad = tmp_path / "many-bad.xlsx"
    meta = LedgerMeta(
        site="SH09", site_name="", exported_at=ctx.now(), tz_text="+08:00", scope="全部"
    )
    write_ledger(
        bad,
        meta,
        ctx.tz,
        entries=(),
        sanctions=(),
        cases=(
            {**case, "uid": str(uuid.uuid4()), "number": f"X{i:05d}", "channel": "飞鸽传书"}
            for i in range(REJECTS_SHOWN + 150)
        ),
    )
    page = ExchangePage(session)
    qtbot.addWidget(page)
    page.resize(1100, 700)
    with qtbot.waitSignal(page.checked, timeout=60_000):
        page.check_files([bad])
    assert page.rejects_table.rowCount() == REJECTS_SHOWN + 1
    last = page.rejects_table.item(REJECTS_SHOWN, 4).text()
    assert f"共 {REJECTS_SHOWN + 150} 行被拒绝" in last and "导出被拒绝的行" in last
    assert page.save_rejects_button.isEnabled()
    shots = os.environ.get("LEDGER_READ_SHOTS")
    if shots:  # a person's look at the page (not a test of pixels)
        page.tabs.setCurrentIndex(1)
        page.rejects_table.scrollToBottom()
        page.grab().save(str(Path(shots) / "exchange-many-rejects.png"))


def test_the_check_of_a_file_can_be_cancelled_and_says_so(qtbot, session, ctx, tmp_path):
    """The check reads every row as the import does (minutes for a headquarters file): it
    runs with a count and 取消; cancelled, it shows nothing as checked and offers no import."""
    page, foreign = page_and_foreign_file(qtbot, session, ctx, tmp_path)
    with qtbot.waitSignal(page.checked, timeout=10_000) as blocker:
        session.taskman.hold()  # cancelled before the worker starts it
        page.check_files([foreign])
        session.taskman.cancel(page.check_task)
        session.taskman.release()
    assert blocker.args[0].cancelled and not blocker.args[0].files
    assert page.preview is None and not page.import_button.isEnabled()
    assert page.preview_table.rowCount() == 0
    assert "检查已取消" in page.messages.toPlainText()
    with qtbot.waitSignal(page.checked, timeout=10_000) as blocker:  # checked again: as before
        page.check_files([foreign])
    assert not blocker.args[0].cancelled and page.import_button.isEnabled()
    assert "投诉台账" in _cell_texts(page.preview_table, 2)


def test_a_cancelled_check_reports_progress_and_changes_nothing(ctx, tmp_path):
    for n in range(3):
        new_case(ctx, customer_name=f"客户{n}")
    out = tmp_path / "out.xlsx"
    ledger_export.export_ledger(ctx, out)
    foreign = _foreign_copy(out, tmp_path / "bj02.xlsx")
    seen = []
    before = snapshot()
    full = ledger_import.check_import(
        ctx, [foreign], progress=lambda done, total, what: seen.append((done, total, what))
    )
    assert not full.cancelled and full.totals()["投诉台账"].new == 1
    assert seen and seen[-1][0] == seen[-1][1] and "bj02.xlsx" in seen[-1][2]
    stopped = ledger_import.check_import(ctx, [foreign], cancelled=lambda: True)
    assert stopped.cancelled and stopped.files == []
    assert snapshot() == before


def test_a_long_text_in_conflict_is_shown_whole_on_both_sides(qtbot, session, ctx, tmp_path):
    """The difference may be at the end of a long complaint text: both versions wrap in
    full instead of ending in "…" where they differ."""
    long = "客户反映车辆保养后发动机有异响,多次到店检查未能解决。" * 8
    new_case(ctx, content=long)
    out = tmp_path / "out.xlsx"
    ledger_export.export_ledger(ctx, out)
    uid = str(uuid.uuid4())
    ledger_import.apply_import(ctx, [_foreign_copy(out, tmp_path / "r1.xlsx", uid=uid)])
    local_id = cases.find_case_id("BJ02-202611-0001")
    cases.update_case(ctx, local_id, {"gm_instruction": "本店批示"})
    ledger_import.apply_import(
        ctx,
        [
            _foreign_copy(
                out, tmp_path / "r2.xlsx", uid=uid, revision=2, content=long + "(总部补充)"
            )
        ],
    )
    page = ConflictsPage(session)
    qtbot.addWidget(page)
    page.resize(1060, 600)
    page.show()
    qtbot.waitUntil(lambda: page.list.count() == 1, timeout=10_000)
    row = next(
        r for r in range(page.table.rowCount()) if page.table.item(r, 0).text() == "投诉内容"
    )
    width = page.table.columnWidth(2)
    lines = page.table.fontMetrics().horizontalAdvance(long + "(总部补充)") // width + 1
    assert page.table.rowHeight(row) >= lines * page.table.fontMetrics().lineSpacing()


def test_who_may_not_resolve_a_conflict_sees_the_buttons_disabled_with_why(
    qtbot, session, ctx, tmp_path
):
    """The administrator sees the conflicts but may not decide them: the buttons say so
    before anything is clicked, not after the confirmation."""
    new_case(ctx)
    out = tmp_path / "out.xlsx"
    ledger_export.export_ledger(ctx, out)
    uid = str(uuid.uuid4())
    ledger_import.apply_import(ctx, [_foreign_copy(out, tmp_path / "r1.xlsx", uid=uid)])
    cases.update_case(ctx, cases.find_case_id("BJ02-202611-0001"), {"gm_instruction": "本店"})
    ledger_import.apply_import(
        ctx, [_foreign_copy(out, tmp_path / "r2.xlsx", uid=uid, revision=2, content="新内容")]
    )
    page = ConflictsPage(session)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.list.count() == 1, timeout=10_000)
    assert page.keep_incoming.isEnabled()
    session.set_user(dataclasses.replace(ctx, roles=frozenset({"管理员"}), department=None))
    for button in (page.keep_local, page.keep_incoming):
        assert not button.isEnabled()
        assert button.toolTip().startswith("无权处理台账冲突")


def test_a_cancelled_import_says_so_once_keeps_the_preview_and_may_run_again(
    qtbot, session, ctx, tmp_path
):
    """Cancelled, nothing is written: the page said so twice and showed the partial counts
    of rows rolled back, with 导入 disabled until the file was checked anew."""
    page, foreign = page_and_foreign_file(qtbot, session, ctx, tmp_path)
    with qtbot.waitSignal(page.checked, timeout=10_000):
        page.check_files([foreign])
    shown = [_cell_texts(page.preview_table, c) for c in range(page.preview_table.columnCount())]
    with qtbot.waitSignal(page.imported, timeout=10_000) as blocker:
        session.taskman.hold()  # cancelled before the worker starts it
        page.apply_checked()
        session.taskman.cancel(max(session.taskman._tasks))
        session.taskman.release()
    assert blocker.args[0].cancelled
    said = page.messages.toPlainText()
    assert said.count("导入已取消") == 1, said
    assert [
        _cell_texts(page.preview_table, c) for c in range(page.preview_table.columnCount())
    ] == shown
    assert page.import_button.isEnabled()
    with qtbot.waitSignal(page.imported, timeout=10_000) as blocker:
        page.apply_checked()
    assert blocker.args[0].applied and blocker.args[0].totals()["投诉台账"].new == 1

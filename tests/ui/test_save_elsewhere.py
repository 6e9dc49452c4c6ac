"""The GUI side of a chosen file held by another program: the ledger export into a file
that cannot be written shows the message naming it, and 另存为 <free name> writes there."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from complaints.usecases.output_files import OutputInUse
from tests.ledger.helpers import new_case
from ui import save_elsewhere
from ui.exchange_page import ExchangePage


def answer_box(qtbot, seen: list[str], button_text: str) -> None:
    """When the box appears: note its text, click the button whose text starts with
    ``button_text``."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, click)
            return
        seen.append(box.text())
        for b in box.buttons():
            if b.text().startswith(button_text):
                b.click()
                return
        box.reject()

    QTimer.singleShot(0, click)


def test_ledger_export_into_a_held_file_offers_a_free_name(
    qtbot, session, ctx, tmp_path, monkeypatch
):
    new_case(ctx)
    page = ExchangePage(session)
    qtbot.addWidget(page)
    target = tmp_path / "台账.xlsx"
    target.write_bytes(b"open in Excel")

    def held(path):  # Excel holds exactly this file (tests/windows covers the real refusal)
        if path == target:
            raise OutputInUse(target, tmp_path / "台账 (2).xlsx")

    monkeypatch.setattr("complaints.usecases.output_files.check_writable", held)
    seen: list[str] = []
    answer_box(qtbot, seen, "另存为")
    with qtbot.waitSignal(page.exported, timeout=10_000) as blocker:
        page.export_to(target)
    assert seen and f"无法写入文件 {target}" in seen[0] and "台账 (2).xlsx" in seen[0]
    assert blocker.args[0].path == tmp_path / "台账 (2).xlsx"
    assert (tmp_path / "台账 (2).xlsx").read_bytes()[:2] == b"PK"
    assert target.read_bytes() == b"open in Excel"


def test_cancel_writes_nothing(qtbot, session, tmp_path):
    exc = OutputInUse(tmp_path / "报告.docx", tmp_path / "报告 (2).docx")
    seen: list[str] = []
    answer_box(qtbot, seen, "Cancel")  # no button starts so: the box is rejected
    assert save_elsewhere.ask_other_name(None, exc) is None
    assert seen and "报告.docx" in seen[0]

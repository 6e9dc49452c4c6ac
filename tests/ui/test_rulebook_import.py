"""设置 → 制度参数 → 导入总部制度: the preview of every change, the import, and the editor
read-only under a binding rulebook."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDialog, QMessageBox

from complaints.rules.policy import Policy
from complaints.usecases import policy as policy_uc
from complaints.usecases import rulebook_file
from complaints.usecases.context import CHINA_TZ
from tests.ui.helpers import idle
from ui import rulebook_export, rulebook_import
from ui.policy_editor import PolicyEditor


def _file(tmp_path: Path, *, binding: bool) -> Path:
    out = tmp_path / "总部制度.zip"
    rulebook_file.write(
        out,
        {
            "format": rulebook_file.FORMAT,
            "format_version": 1,
            "made_at": "2026-11-20T10:00:00+08:00",
            "made_by": "总部客服经理",
            "site": "HQ",
            "binding": binding,
            "binding_reason": "集团统一标准" if binding else "",
            "effective_from": None,
            "policy": Policy().with_(d1_hours=3, d7_clock="office", s11=500).to_dict(),
        },
        [],
    )
    return out


def make(qtbot, session) -> PolicyEditor:
    ed = PolicyEditor(session)
    qtbot.addWidget(ed)
    ed.resize(1000, 800)
    ed.show()
    qtbot.waitUntil(lambda: ed.loaded is not None)
    idle(session)
    return ed


def test_import_shows_every_change_then_binding_makes_the_editor_read_only(
    qtbot, session, tmp_path, monkeypatch
):
    f = _file(tmp_path, binding=True)
    ed = make(qtbot, session)
    assert ed.may_edit and ed.import_button.isEnabled() and ed.binding_label.isHidden()
    monkeypatch.setattr(rulebook_import, "ask_open", lambda *a: [f])
    seen: list[list[str]] = []

    def accept(dialog: rulebook_import.RulebookPreviewDialog) -> int:
        t = dialog.table
        seen.extend(
            [t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())
        )
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(rulebook_import.RulebookPreviewDialog, "exec", accept)
    with qtbot.waitSignal(session.changed, check_params_cb=lambda c: "settings" in c):
        ed.import_button.click()
        qtbot.waitUntil(lambda: bool(seen))
    idle(session)
    assert ["制度参数", "D1", "一般投诉联系客户时限", "2h", "3h"] in seen
    assert ["制度参数", "D7.clock", "计时方式", "自然时间(calendar)", "工作时间(office)"] in seen
    assert ["制度参数", "s11", "S11 客户赠送锦旗:奖励", "300", "500"] in seen
    assert ["约束性", "binding", "总部统一规定,本站不能修改", "否", "是(集团统一标准)"] in seen
    assert len(seen) == 4
    qtbot.waitUntil(ed.binding_label.isVisible)
    assert policy_uc.load().d1_hours == 3 and ed.editors["d1_hours"].value() == 3
    assert "已导入总部制度" in ed.message.text()
    # read-only, saying why and who/when
    assert not ed.may_edit
    assert not ed.editors["d1_hours"].isEnabled() and not ed.defaults_button.isEnabled()
    text = ed.binding_label.text()
    assert "由总部统一规定" in text and "集团统一标准" in text and "总部客服经理(HQ)" in text
    assert "2026-11-20 10:00" in text
    assert ed.import_button.isEnabled()  # the next rulebook from headquarters still comes in


def test_a_bad_file_is_refused_with_its_message(qtbot, session, tmp_path, monkeypatch):
    bad = tmp_path / "bad.zip"
    bad.write_text("not a zip", encoding="utf-8")
    ed = make(qtbot, session)
    monkeypatch.setattr(rulebook_import, "ask_open", lambda *a: [bad])
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _p, _t, m: warned.append(m)))
    ed.import_button.click()
    qtbot.waitUntil(lambda: bool(warned))
    assert "不是总部制度文件" in warned[0] and "未完成" in ed.message.text()
    assert policy_uc.history() == []


def test_export_from_the_editor(qtbot, session, tmp_path, monkeypatch):
    ed = make(qtbot, session)
    out = tmp_path / "out" / "总部制度.zip"
    monkeypatch.setattr(rulebook_export, "ask_save", lambda *a: out)

    def fill(dialog: rulebook_export.RulebookExportDialog) -> int:
        dialog.binding.setChecked(True)
        dialog.reason.setText("集团统一标准")
        dialog.has_start.setChecked(True)
        dialog.start.setDate(QDate(2027, 1, 1))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(rulebook_export.RulebookExportDialog, "exec", fill)
    ed.export_button.click()
    qtbot.waitUntil(lambda: "已导出" in ed.message.text())
    rb = rulebook_file.read(out)
    assert rb.binding and rb.reason == "集团统一标准"
    assert rb.effective_from == datetime(2027, 1, 1, tzinfo=CHINA_TZ)
    assert rb.policy == Policy()


def test_a_version_set_ahead_says_the_old_one_still_applies(qtbot, session, ctx):
    ahead = ctx.now() + timedelta(days=30)
    policy_uc.save(ctx, Policy().with_(d1_hours=3), ahead)
    ed = make(qtbot, session)
    assert "以下为新版本,适用于" in ed.version_label.text()
    assert f"{ctx.local(ahead):%Y-%m-%d %H:%M}" in ed.version_label.text()


def test_import_when_the_clock_has_moved_on_since_the_preview(
    qtbot, session, ctx, tmp_path, monkeypatch
):
    ticks = itertools.count()
    moving = dataclasses.replace(ctx, clock=lambda: ctx.now() + timedelta(minutes=next(ticks)))
    session.set_user(moving)
    f = _file(tmp_path, binding=False)
    ed = make(qtbot, session)
    monkeypatch.setattr(rulebook_import, "ask_open", lambda *a: [f])
    monkeypatch.setattr(
        rulebook_import.RulebookPreviewDialog, "exec", lambda _d: QDialog.DialogCode.Accepted
    )
    ed.import_button.click()
    qtbot.waitUntil(lambda: "已导入总部制度" in ed.message.text())
    assert policy_uc.history()[-1].policy.d1_hours == 3


def test_a_server_error_of_the_import_and_export_shows_its_words_behind_the_button(
    qtbot, session, tmp_path, monkeypatch
):
    """The lines of 导入总部制度 / 导出 say the server's trouble in Chinese, its own words
    behind the 详细信息 button and in the warning box's, as every other page does."""
    from complaints.usecases import rulebook
    from tests.ui.test_error_detail import server_refusal

    def refused(*_a, **_k):
        raise server_refusal()

    ed = make(qtbot, session)
    monkeypatch.setattr(rulebook, "export", refused)
    monkeypatch.setattr(rulebook_export, "ask_save", lambda *a: tmp_path / "x.zip")
    monkeypatch.setattr(
        rulebook_export.RulebookExportDialog, "exec", lambda _d: QDialog.DialogCode.Accepted
    )
    ed.export_button.click()
    qtbot.waitUntil(lambda: "未完成" in ed.message.text())
    assert "数据库登录名没有这项操作的权限" in ed.message.text()
    assert "permission denied" not in ed.message.text()
    assert ed.message_detail.detail().startswith("SQLSTATE 42501:")

    boxes: list[tuple[str, str]] = []
    monkeypatch.setattr(rulebook, "preview", refused)
    monkeypatch.setattr(rulebook_import, "ask_open", lambda *a: [tmp_path / "y.zip"])
    monkeypatch.setattr(
        QMessageBox, "exec", lambda box: boxes.append((box.text(), box.detailedText())) or 0
    )
    ed.import_button.click()
    qtbot.waitUntil(lambda: bool(boxes))
    assert "数据库登录名没有这项操作的权限" in boxes[0][0]
    assert boxes[0][1].startswith("SQLSTATE 42501:")
    assert ed.message_detail.detail().startswith("SQLSTATE 42501:")

    monkeypatch.undo()  # a later success clears the detail
    out = tmp_path / "ok.zip"
    monkeypatch.setattr(rulebook_export, "ask_save", lambda *a: out)
    monkeypatch.setattr(
        rulebook_export.RulebookExportDialog, "exec", lambda _d: QDialog.DialogCode.Accepted
    )
    ed.export_button.click()
    qtbot.waitUntil(lambda: "已导出" in ed.message.text())
    assert ed.message_detail.detail() == ""

"""设置 → 站点与数据: site name, backups list, back up now, restore, refusal, checks."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from complaints.usecases import audit, ledger_export, settings
from complaints.usecases.changes import OpChanges
from db.backup import integrity_problems, list_backups
from tests.ledger.helpers import new_case
from ui.exchange_page import ExchangePage
from ui.restore_dialog import reason_label
from ui.settings_site import SiteDataTab


@pytest.fixture
def boxes(monkeypatch):
    """Every message box answered (Yes) and recorded as (kind, title, text)."""
    said: list[tuple[str, str, str]] = []
    for kind in ("information", "warning", "critical"):
        monkeypatch.setattr(
            QMessageBox,
            kind,
            staticmethod(
                lambda _p, title, text, *a, kind=kind, **k: said.append((kind, title, text))
            ),
        )

    def question(_p, title, text, *a, **k):
        said.append(("question", title, text))
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return said


@pytest.fixture
def tab(qtbot, session):
    t = SiteDataTab(session)
    qtbot.addWidget(t)
    return t


def choose(monkeypatch, path: Path) -> list:
    asked = []

    def fake(_parent, caption, start, _filter="", *a, **k):
        asked.append(start)
        return str(path), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(fake))
    return asked


def test_shows_site_and_folder(tab, session):
    assert tab.code_label.text() == "SH01"
    assert tab.name_edit.text() == "上海浦东店"
    assert tab.folder_edit.text() == str(session.paths.root)
    assert tab.warning_label.isHidden()  # a local temp folder


def test_backup_now_makes_a_verified_file_listed(qtbot, tab, session, boxes):
    assert tab.backup_paths() == []
    with qtbot.waitSignal(tab.backup_done, timeout=10_000) as blocker:
        tab.backup_button.click()
    path = blocker.args[0]
    assert path.parent == session.paths.backups and path.exists()
    assert integrity_problems(path) == []
    assert tab.backup_paths() == [path]
    assert tab.table.item(0, 1).text() == "手动备份"
    assert tab.selected_backup() == path
    assert next(e.event for e in audit.entries()) == "data.backup"


def test_restore_through_the_dialog_keeps_the_current_data(qtbot, tab, session, boxes, monkeypatch):
    with qtbot.waitSignal(tab.backup_done, timeout=10_000) as blocker:
        tab.backup_button.click()
    backup = blocker.args[0]
    settings.set_("ui.page_size", 123)  # a change made after the backup
    tab.table.selectRow(0)
    asked = choose(monkeypatch, backup)
    told: list[OpChanges] = []
    session.changed.connect(told.append)

    with qtbot.waitSignal(tab.restore_flow.restored, timeout=20_000) as done:
        tab.restore_button.click()
    report = done.args[0]
    assert asked == [str(backup)]  # the chooser opened on the selected backup
    question = [b for b in boxes if b[0] == "question"]
    assert len(question) == 1 and "恢复前的原数据" in question[0][2]
    assert str(session.paths.backups) in question[0][2]

    assert settings.get("ui.page_size") == 200  # the backup's value is back
    assert report.kept is not None and report.kept.exists() and report.kept_verified
    assert "before-restore" in report.kept.name
    info = [b for b in boxes if b[0] == "information"]
    assert info and info[-1][1] == "恢复完成" and str(report.kept) in info[-1][2]
    assert OpChanges.everything() in told  # the restore says everything changed
    assert report.kept in tab.backup_paths()  # the list shows the kept copy
    row = tab.backup_paths().index(report.kept)
    assert tab.table.item(row, 1).text() == "恢复前的原数据"
    assert "data.restore" in [e.event for e in audit.entries()]


def test_refused_restore_changes_nothing_and_says_why(
    qtbot, tab, session, boxes, monkeypatch, tmp_path
):
    bogus = tmp_path / "not-a-backup.sqlite3"
    bogus.write_text("这不是数据库" * 100, encoding="utf-8")
    settings.set_("ui.page_size", 123)
    choose(monkeypatch, bogus)
    before = list_backups(session.paths.backups)

    with qtbot.waitSignal(tab.restore_flow.refused, timeout=10_000) as refused:
        tab.restore_button.click()
    assert "不是 SQLite 数据库文件" in refused.args[0]
    warnings = [b for b in boxes if b[0] == "warning"]
    assert warnings and warnings[-1][1] == "未能恢复" and "未作任何改动" in warnings[-1][2]
    assert settings.get("ui.page_size") == 123  # nothing changed
    assert list_backups(session.paths.backups) == before  # nothing kept, nothing written
    assert "data.restore" not in [e.event for e in audit.entries()]


def test_cancelled_chooser_or_confirmation_does_nothing(qtbot, tab, monkeypatch, boxes):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: ("", "")))
    assert tab.restore_flow.start() is False
    assert boxes == []


def test_check_data_reports_sound_database(qtbot, tab, boxes):
    with qtbot.waitSignal(tab.checked, timeout=10_000) as blocker:
        tab.check_button.click()
    assert blocker.args[0] == []
    assert boxes[-1][0] == "information" and "检查通过" in boxes[-1][2]


def test_rename_site_is_audited(qtbot, tab, session, boxes):
    tab.name_edit.setText("上海浦东二店")
    with qtbot.waitSignal(tab.name_saved, timeout=10_000):
        tab.save_name_button.click()
    assert session.site().name == "上海浦东二店"
    entry = audit.entries(event="settings.update")[0]
    assert entry.changes == {"site.name": ["上海浦东店", "上海浦东二店"]}


def test_buttons_follow_permissions(qtbot, session, ctx):
    clerk = dataclasses.replace(ctx, roles=frozenset({"客服专员"}))
    session.set_user(clerk)
    tab = SiteDataTab(session)
    qtbot.addWidget(tab)
    for button in (tab.backup_button, tab.restore_button, tab.save_name_button):
        assert not button.isEnabled()
        assert button.toolTip().startswith("无权")
    assert tab.name_edit.isReadOnly()
    assert tab.check_button.isEnabled()
    manager = dataclasses.replace(ctx, roles=frozenset({"客服经理"}))
    session.set_user(manager)  # the tab follows a change of user
    assert tab.backup_button.isEnabled() and not tab.restore_button.isEnabled()
    assert "管理员" in tab.restore_button.toolTip()


def test_network_drive_warning_shown(qtbot, session, monkeypatch):
    from complaints.usecases import storage

    monkeypatch.setattr(
        storage, "location_warning", lambda path: f"数据文件夹 {path} 位于网络文件系统(nfs)上。"
    )
    tab = SiteDataTab(session)
    qtbot.addWidget(tab)
    assert not tab.warning_label.isHidden()
    assert "网络文件系统" in tab.warning_label.text()


def test_the_backup_made_before_an_import_is_listed_in_words(qtbot, tab, session, ctx, tmp_path):
    """An import keeps a copy first (导入前备份): the list shows it when the import is done,
    named in Chinese like every other kind, without pressing 刷新."""
    new_case(ctx)
    out = tmp_path / "out.xlsx"
    ledger_export.export_ledger(ctx, out)
    page = ExchangePage(session)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.checked, timeout=10_000):
        page.check_files([out])
    assert tab.backup_paths() == []
    with qtbot.waitSignal(page.imported, timeout=10_000):
        page.apply_checked()
    qtbot.waitUntil(lambda: len(tab.backup_paths()) == 1, timeout=10_000)
    assert tab.table.item(0, 1).text() == "导入前备份"


def test_every_kind_of_backup_the_program_makes_has_chinese_words():
    assert reason_label("before-import") == "导入前备份"
    assert reason_label("before-migration-v3") == "升级前备份(数据库版本 3)"

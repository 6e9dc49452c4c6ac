"""设置 → 站点与数据 on the office server says the server's backups are the administrator's
(no automatic backup on this PC, no cap on rotated backups to set) and keeps 立即备份; on
this PC's data it says the daily automatic backup and its cap, as before. A restore there
asks knowing it replaces the data of every seat, not this PC's."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from complaints.usecases import server_link
from ui.restore_dialog import RestoreFlow
from ui.settings_site import SiteDataTab


def _tab(qtbot, session) -> SiteDataTab:
    tab = SiteDataTab(session)
    qtbot.addWidget(tab)
    tab.show()
    return tab


def test_on_the_server_the_backup_box_says_the_server_is_backed_up_by_its_administrator(
    qtbot, session, monkeypatch
):
    monkeypatch.setattr(server_link, "on_office_server", lambda: True)
    tab = _tab(qtbot, session)
    assert "pg_dump" in tab.backup_note.text()
    assert "每天第一次启动时在后台自动备份" not in tab.backup_note.text()
    assert not tab.size_factor_box.isVisibleTo(tab)
    assert not tab.save_factor_button.isVisibleTo(tab)
    assert "自动轮换" not in tab.summary_label.text()
    assert tab.backup_button.isVisibleTo(tab)


def test_on_this_pcs_data_the_daily_backup_and_its_cap_are_said(qtbot, session):
    tab = _tab(qtbot, session)
    assert "每天第一次启动时在后台自动备份" in tab.backup_note.text()
    assert tab.size_factor_box.isVisibleTo(tab)
    assert "自动轮换的备份合计不超过" in tab.summary_label.text()


def _asked(monkeypatch) -> list[str]:
    asked: list[str] = []

    def answer(_parent, _title, text, *a, **k):
        asked.append(text)
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", answer)
    return asked


def test_on_the_server_restoring_says_it_replaces_every_seats_data(
    qtbot, session, monkeypatch, tmp_path
):
    monkeypatch.setattr(server_link, "on_office_server", lambda: True)
    monkeypatch.setattr(server_link, "database_in_use", lambda: "服务器 office-srv/complaints")
    asked = _asked(monkeypatch)
    tab = _tab(qtbot, session)
    backup = tmp_path / "complaintdesk-20261207T131802Z-manual.sqlite3"
    backup.write_bytes(b"")
    assert not RestoreFlow(session, tab).confirm(backup)
    assert "办公室服务器(服务器 office-srv/complaints)上的全部数据" in asked[0]
    assert "所有座位" in asked[0] and "本机当前的全部数据" not in asked[0]
    assert "恢复前的原数据" in asked[0]


def test_on_this_pcs_data_restoring_says_it_replaces_this_pcs_data(
    qtbot, session, monkeypatch, tmp_path
):
    asked = _asked(monkeypatch)
    tab = _tab(qtbot, session)
    backup = tmp_path / "complaintdesk-20261207T131802Z-manual.sqlite3"
    backup.write_bytes(b"")
    assert not RestoreFlow(session, tab).confirm(backup)
    assert "替换本机当前的全部数据" in asked[0] and "座位" not in asked[0]

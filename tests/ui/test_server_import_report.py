"""数据交换 on the office server: an import's report says where its backup is, in this PC's
data folder (made before the first import of the day on this PC, named by the later ones)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from complaints.usecases import ledger_export
from db.models import database
from desktop.paths import DataPaths
from tests.ledger.helpers import new_case
from tests.ui.test_exchange_ui import _foreign_copy
from ui.exchange_page import ExchangePage
from ui.maintenance import runner_for
from ui.session import Session
from ui.taskman import TaskManager


@pytest.fixture
def server_session(qapp, server_ctx, tmp_path):
    """A GUI session on the server database ``server_ctx`` opened (this PC's folder
    ``tmp_path / "data"``, as the fixture named it)."""
    tm = TaskManager(
        thread_start=lambda: database.connect(reuse_if_open=True), thread_stop=database.close
    )
    qsettings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    s = Session(DataPaths(tmp_path / "data"), tm, ui_settings=qsettings)
    s.set_user(server_ctx)
    yield s
    runner_for(s).shutdown()
    tm.wait_idle()
    tm.shutdown()


def test_the_import_report_says_where_the_servers_backup_is(
    qtbot, server_session, server_ctx, tmp_path
):
    new_case(server_ctx)
    own = tmp_path / "sh01.xlsx"
    ledger_export.export_ledger(server_ctx, own)
    foreign = _foreign_copy(own, tmp_path / "bj02.xlsx")
    page = ExchangePage(server_session)
    qtbot.addWidget(page)
    backups = tmp_path / "data" / "backups"
    reports = []
    for _ in range(2):
        with qtbot.waitSignal(page.checked, timeout=20_000):
            page.check_files([foreign])
        with qtbot.waitSignal(page.imported, timeout=20_000) as blocker:
            page.apply_checked()
        reports.append((blocker.args[0], page.messages.toPlainText()))
    (first, first_text), (second, second_text) = reports
    assert first.applied and first.backup is not None and first.backup.parent == backups
    assert f"导入前备份:{first.backup}" in first_text
    assert second.backup == first.backup
    assert "本次沿用今天的这份" in second_text and str(first.backup) in second_text

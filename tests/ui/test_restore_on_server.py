"""设置 → 站点与数据 → 恢复 on a seat of the office server restores the backup onto the
server (every seat's data), the way ``restore`` does with ``--database``; the seat stays on
the server, and no SQLite file appears in this PC's data folder."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from complaints.query import CaseFilter
from complaints.usecases import cases, storage
from db.models import database, on_server
from tests.conftest import sh01_context
from tests.ui.helpers import idle
from tests.ui.test_other_seats import _new_case, _run, office  # noqa: F401  (the fixture)
from ui.restore_dialog import RestoreFlow


def test_a_restore_on_a_server_seat_replaces_the_servers_rows(qtbot, office, monkeypatch):  # noqa: F811
    seat = office("admin")
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text, *a: told.append(text))
    _run(qtbot, seat, lambda: _new_case("王芳"))
    made: list = []
    _run(
        qtbot,
        seat,
        lambda: made.append(storage.backup_now(backup_dir=seat.paths.backups, ctx=sh01_context())),
    )
    _run(qtbot, seat, lambda: _new_case("李雷"))  # after the backup: the restore drops it
    parent = QWidget()
    qtbot.addWidget(parent)
    flow = RestoreFlow(seat, parent)
    with qtbot.waitSignal(flow.restored, timeout=60_000):
        flow.run(made[0])
    idle(seat)
    counted: list[int] = []
    seat.taskman.run(lambda: counted.append(len(cases.case_ids(CaseFilter()))))
    idle(seat)
    assert counted == [1]
    assert on_server() and not database.is_closed()
    assert not seat.paths.database.exists()  # this PC's data folder got no SQLite file
    assert "服务器" in told[0] and "恢复前本机没有数据" not in told[0]

"""The start of a seat that always worked on the office server, while the server is away:
this PC's data folder holds no database, so 改用本机数据 is not offered (it would lead to
the first start's site form and a second office, with numbers the server also gives);
a seat with local data still gets it."""

from __future__ import annotations

import sqlite3

from db.server_login import save_server
from desktop.server_start import open_chosen
from tests.ui.test_server_gui import data, said, unreachable  # noqa: F401  (fixtures)
from ui.server_start_dialog import Answer, ServerStartDialog


def _start(qtbot, data) -> ServerStartDialog:  # noqa: F811
    asked: list[ServerStartDialog] = []

    def ask(dialog: ServerStartDialog) -> Answer:
        qtbot.addWidget(dialog)
        asked.append(dialog)
        return Answer.QUIT

    opened = open_chosen(
        None, data, smoke=False, before_dialog=lambda: None, open_local=lambda: True, ask=ask
    )
    assert opened is None and len(asked) == 1
    return asked[0]


def test_a_seat_without_local_data_is_not_offered_this_pcs_data(
    qtbot,
    server_address,
    data,  # noqa: F811
    said,  # noqa: F811
):
    save_server(data.root, unreachable(server_address))
    dialog = _start(qtbot, data)
    assert not dialog.local_button.isEnabled()
    assert "还没有数据" in dialog.local_note.text()
    assert dialog.retry_button.isEnabled()
    assert not data.database.exists()


def test_a_seat_with_local_data_may_use_it_this_time(
    qtbot,
    server_address,
    data,  # noqa: F811
    said,  # noqa: F811
):
    save_server(data.root, unreachable(server_address))
    sqlite3.connect(data.database).close()
    dialog = _start(qtbot, data)
    assert dialog.local_button.isEnabled()
    assert "互不相通" in dialog.local_note.text()

"""The figures' cache (complaints/usecases/stats.py) is emptied by any write: on the office
server, a write of any seat moves the stamp too."""

from __future__ import annotations

from complaints.usecases import site
from db import figures_queries, settings_rows
from db.database import close_database, open_server
from tests.conftest import FIXED_NOW


def test_the_stamp_moves_with_every_write_and_only_then(server_address):
    open_server(server_address)
    try:
        site.init_site("SH01", "上海浦东店", now=FIXED_NOW)
        before = figures_queries.write_stamp()
        figures_queries.first_received()  # a read
        assert figures_queries.write_stamp() == before
        settings_rows.store("ui.page_size", 80)
        after = figures_queries.write_stamp()
        assert after != before
        assert figures_queries.write_stamp() == after
    finally:
        close_database()

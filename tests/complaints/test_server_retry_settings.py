"""A settings write that the office server undid to break a deadlock with another seat is
written again, and the person never sees the deadlock (the same as a case save,
tests/complaints/test_server_retry.py)."""

from __future__ import annotations

import json
import logging
import threading

import psycopg
import pytest

from complaints.usecases import causes, settings, site
from db.database import close_database, open_server
from db.models import database
from tests.complaints.test_server_seats import _wait_until_blocked
from tests.conftest import FIXED_NOW, sh01_context


@pytest.fixture
def server_ctx(server_address):
    open_server(server_address)
    try:
        site.init_site("SH01", "上海浦东店", now=FIXED_NOW)
        yield sh01_context()
    finally:
        close_database()


def _seat(address) -> psycopg.Connection:
    return psycopg.connect(
        host=address.host, port=address.port, user=address.user, dbname=address.dbname
    )


def test_a_cause_list_undone_by_a_deadlock_is_saved_again(server_ctx, server_address, caplog):
    causes.save_cause_list(server_ctx, ["维修质量", "服务态度"])  # the row the two will meet on
    caplog.set_level(logging.INFO, logger="db.retry")
    mine = ["维修质量", "服务态度", "配件供应"]
    outcome: list[BaseException | None] = []
    pid: list[int] = []
    ready = threading.Event()

    def save() -> None:
        try:
            pid.append(database.execute_sql("SELECT pg_backend_pid()").fetchone()[0])
            ready.set()
            causes.save_cause_list(server_ctx, mine)
            outcome.append(None)
        except BaseException as e:
            outcome.append(e)
        finally:
            database.close()

    other = _seat(server_address)  # another seat, holding the audit chain's head
    watcher = _seat(server_address)
    other_done: list[BaseException | None] = []

    def other_writes_the_list() -> None:
        try:
            other.execute(
                "UPDATE settings SET value = %s WHERE key = %s",
                (json.dumps(["价格/费用"], ensure_ascii=False), causes.KEY),
            )  # waits for the save's row lock: the two now wait for each other
            other.commit()
            other_done.append(None)
        except BaseException as e:
            other_done.append(e)

    try:
        # the other seat never gives up first: the server undoes the save's transaction
        other.execute("SET deadlock_timeout = '10min'")
        other.execute("SELECT last_id FROM audit_head WHERE id = 1 FOR UPDATE")
        saver = threading.Thread(target=save)
        saver.start()
        assert ready.wait(30)
        _wait_until_blocked(watcher, pid[0])  # the save holds the row, waits for the head
        third = threading.Thread(target=other_writes_the_list)
        third.start()
        third.join(60)
        saver.join(60)
    finally:
        other.close()
        watcher.close()
    assert other_done == [None]
    assert outcome == [None]  # no deadlock reached the person
    assert settings.get(causes.KEY) == mine  # run again after the other seat's write
    undone = [r for r in caplog.records if "undone by the server" in r.getMessage()]
    assert len(undone) == 1 and "deadlock" in undone[0].getMessage()
    assert "save_cause_list" in undone[0].getMessage()

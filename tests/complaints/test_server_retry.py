"""A save that the office server undid to break a deadlock with another seat is saved again,
and the person never sees the deadlock; other errors are never repeated."""

from __future__ import annotations

import logging
import threading

import psycopg
import pytest
from psycopg import errors as pg_errors

from complaints.usecases import cases, site
from db import retry
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


def test_a_save_undone_by_a_deadlock_is_saved_again(server_ctx, server_address, caplog):
    values = cases.blank_case(server_ctx)
    values.update(customer_name="王芳", content="新车交付时漆面有划痕", phone="13900001111")
    case_id = cases.create_case(server_ctx, values).id
    caplog.set_level(logging.INFO, logger="db.retry")
    outcome: list[BaseException | None] = []
    pid: list[int] = []
    ready = threading.Event()

    def save() -> None:
        try:
            pid.append(database.execute_sql("SELECT pg_backend_pid()").fetchone()[0])
            ready.set()
            cases.update_case(server_ctx, case_id, {"content": "漆面划痕,客户要求补漆"})
            outcome.append(None)
        except BaseException as e:
            outcome.append(e)
        finally:
            database.close()

    other = _seat(server_address)  # another seat, holding the audit chain's head
    watcher = _seat(server_address)
    other_done: list[BaseException | None] = []

    def other_saves_the_case() -> None:
        try:
            other.execute(
                "UPDATE cases SET plan = '李雷的方案' WHERE id = %s", (case_id,)
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
        _wait_until_blocked(watcher, pid[0])  # the save holds the case, waits for the head
        third = threading.Thread(target=other_saves_the_case)
        third.start()
        third.join(60)
        saver.join(60)
    finally:
        other.close()
        watcher.close()
    assert other_done == [None]
    assert outcome == [None]  # no deadlock reached the person
    case = cases.get_case(case_id)
    assert case["plan"] == "李雷的方案" and case["content"] == "漆面划痕,客户要求补漆"
    undone = [r for r in caplog.records if "undone by the server" in r.getMessage()]
    assert len(undone) == 1 and "deadlock" in undone[0].getMessage()


def test_only_the_servers_conflicts_are_run_again():
    calls: list[int] = []

    @retry.retried
    def refused() -> None:
        calls.append(1)
        raise ValueError("编号已被使用")

    with pytest.raises(ValueError):
        refused()
    assert len(calls) == 1
    assert retry.is_conflict(pg_errors.DeadlockDetected("deadlock detected"))
    assert retry.is_conflict(pg_errors.SerializationFailure("could not serialize access"))
    assert not retry.is_conflict(pg_errors.UniqueViolation("duplicate key"))


def test_a_conflict_that_persists_is_given_up_after_a_few_attempts(monkeypatch):
    calls: list[int] = []
    monkeypatch.setattr(retry, "FIRST_PAUSE_S", 0.0)

    @retry.retried
    def always_undone() -> None:
        calls.append(1)
        raise pg_errors.SerializationFailure("could not serialize access")

    with pytest.raises(pg_errors.SerializationFailure):
        always_undone()
    assert len(calls) == retry.ATTEMPTS

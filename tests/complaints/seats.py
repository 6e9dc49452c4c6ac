"""Two seats of one office server in a test: this process's session (the fixture
``server_ctx`` of tests/conftest.py) and other seats as plain connections, and a deadlock
forced between them."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import psycopg

from db.models import database


def other_seat(address) -> psycopg.Connection:
    return psycopg.connect(
        host=address.host, port=address.port, user=address.user, dbname=address.dbname
    )


def wait_until_blocked(seat: psycopg.Connection, pid_of_waiter: int) -> None:
    """Return once the server says ``pid_of_waiter`` waits for a lock (no sleep: the server's
    own view of its sessions, asked until it says so)."""
    for _ in range(100_000):
        row = seat.execute(
            "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid_of_waiter,)
        ).fetchone()
        if row and row[0] == "Lock":
            return
    raise AssertionError("the second save never waited for the first")


def deadlock(
    address, mine: Callable[[], None], others_sql: str, others_params: Sequence[Any]
) -> tuple[list[BaseException | None], list[BaseException | None]]:
    """Run ``mine`` (a use case's write) on this session while another seat holds the audit
    chain's head; once ``mine`` waits for the head, the other seat runs ``others_sql``, which
    waits for a row ``mine`` holds. The other seat never gives up first, so the server undoes
    ``mine``'s transaction. Returns (mine's outcome, the other seat's): None for success."""
    outcome: list[BaseException | None] = []
    pid: list[int] = []
    ready = threading.Event()

    def run_mine() -> None:
        try:
            pid.append(database.execute_sql("SELECT pg_backend_pid()").fetchone()[0])
            ready.set()
            mine()
            outcome.append(None)
        except BaseException as e:
            outcome.append(e)
        finally:
            database.close()

    other = other_seat(address)
    watcher = other_seat(address)
    other_done: list[BaseException | None] = []

    def run_others() -> None:
        try:
            other.execute(others_sql, others_params)  # waits for mine: each waits for the other
            other.commit()
            other_done.append(None)
        except BaseException as e:
            other_done.append(e)

    try:
        other.execute("SET deadlock_timeout = '10min'")
        other.execute("SELECT last_id FROM audit_head WHERE id = 1 FOR UPDATE")
        saver = threading.Thread(target=run_mine)
        saver.start()
        assert ready.wait(30)
        wait_until_blocked(watcher, pid[0])  # mine holds its row, waits for the head
        third = threading.Thread(target=run_others)
        third.start()
        third.join(60)
        saver.join(60)
    finally:
        other.close()
        watcher.close()
    return outcome, other_done

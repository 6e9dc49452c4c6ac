"""Hearing the other seats of the office server: one connection of its own, LISTENing on
the change channel (db/seats.py), on a thread of its own, so the GUI thread never waits for
the network.

What another seat committed reaches ``on_topics(topics)`` (called on the listener's thread)
as the topics of the pages that show it; a burst of notices arriving together is handed on
once. When the server goes away the listener says so (``on_state(False)``), tries again with
a growing pause, and once it is back hands on every topic, since what was committed in
between was never heard.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg

from db import changes, seats
from db.models import database
from db.server import ServerDatabase
from db.server_address import ServerAddress, connect_params

log = logging.getLogger(__name__)

POLL_S = 0.5  # how often the thread looks whether it was asked to stop
BURST_S = 0.05  # notices arriving this close together are handed on as one
RETRY_FIRST_S = 0.5  # the first pause before connecting again, doubled up to RETRY_MAX_S
RETRY_MAX_S = 15.0
# A server that vanished without closing the connection (a cable pulled) is noticed
# within about keepalives_idle + interval * count seconds.
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5}


class ChangeListener:
    """Hears the other seats' committed writes on ``address`` until ``stop()``."""

    def __init__(
        self,
        address: ServerAddress,
        on_topics: Callable[[frozenset[str]], None],
        *,
        seat: str | None = None,
        on_state: Callable[[bool], None] | None = None,
    ) -> None:
        self.address = address
        self.seat = seat or seats.SEAT
        self._on_topics = on_topics
        self._on_state = on_state
        self._stop = threading.Event()
        self.listening = threading.Event()  # set while LISTEN is in force
        self._thread = threading.Thread(
            target=self._run, name="complaintdesk-listener", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop listening; returns once the thread ended (or ``timeout`` passed)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _connect(self) -> psycopg.Connection[tuple[object, ...]]:
        params = {**connect_params(self.address), **KEEPALIVES}
        conn = psycopg.connect(dbname=self.address.dbname, autocommit=True, **params)
        conn.execute(f"LISTEN {seats.CHANNEL}")
        return conn

    def _run(self) -> None:
        pause = RETRY_FIRST_S
        missed = False  # whether notices may have been lost while the server was away
        while not self._stop.is_set():
            try:
                conn = self._connect()
            except psycopg.Error as e:
                log.info("listening for other seats: cannot connect (%s)", e)
                self._stop.wait(pause)
                pause = min(pause * 2, RETRY_MAX_S)
                continue
            pause = RETRY_FIRST_S
            self.listening.set()
            self._tell_state(True)
            if missed:
                self._hand_on(frozenset(changes.TOPICS))
            try:
                self._listen(conn)
            except psycopg.Error as e:
                log.info("listening for other seats: the server went away (%s)", e)
                missed = True
                self._tell_state(False)
            finally:
                self.listening.clear()
                conn.close()

    def _listen(self, conn: psycopg.Connection[tuple[object, ...]]) -> None:
        while not self._stop.is_set():
            topics: set[str] = set()
            for notice in conn.notifies(timeout=POLL_S, stop_after=1):
                topics.update(seats.heard(notice.payload, self.seat) or ())
            if not topics and conn.closed:
                raise psycopg.OperationalError("the connection was closed")
            for notice in conn.notifies(timeout=BURST_S) if topics else ():
                topics.update(seats.heard(notice.payload, self.seat) or ())
            if topics:
                self._hand_on(frozenset(topics))

    def _hand_on(self, topics: frozenset[str]) -> None:
        try:
            self._on_topics(topics)
        except Exception:  # a failing receiver must not stop the hearing
            log.exception("handing on another seat's change failed")

    def _tell_state(self, connected: bool) -> None:
        if self._on_state is None:
            return
        try:
            self._on_state(connected)
        except Exception:
            log.exception("telling the listener's state failed")


def listen_to_server(
    on_topics: Callable[[frozenset[str]], None],
    *,
    seat: str | None = None,
    on_state: Callable[[bool], None] | None = None,
) -> ChangeListener:
    """A started listener on the office server the database is open on now."""
    server = database.obj
    if not isinstance(server, ServerDatabase):
        raise RuntimeError("the database is not on an office server")
    listener = ChangeListener(server.address, on_topics, seat=seat, on_state=on_state)
    listener.start()
    return listener

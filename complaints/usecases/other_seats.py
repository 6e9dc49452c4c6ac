"""The other seats of an office server: what they commit reaches this seat's pages through
the same "something changed" signal as this seat's own writes (db/server_listen.py hears
them). On this PC's SQLite file there is no other seat, and nothing listens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from complaints.usecases.changes import OpChanges
from db.models import on_server


class Listening(Protocol):
    @property
    def listening(self) -> _Flag:  # set while the server's notices are heard
        ...

    def stop(self, timeout: float = 5.0) -> None: ...


class _Flag(Protocol):
    def is_set(self) -> bool: ...

    def wait(self, timeout: float | None = None) -> bool: ...


def listen(
    on_changes: Callable[[OpChanges], None],
    *,
    seat: str | None = None,
    on_state: Callable[[bool], None] | None = None,
) -> Listening | None:
    """Hear the other seats' committed writes: ``on_changes(OpChanges)`` is called on the
    listener's own thread (a Qt receiver gets it queued). ``on_state(connected)`` says when
    the server went away and came back. None on SQLite: one PC, nothing to hear."""
    if not on_server():
        return None
    # psycopg is loaded only for an office server: the SQLite start never imports it
    from db.server_listen import listen_to_server

    return listen_to_server(lambda t: on_changes(OpChanges(t)), seat=seat, on_state=on_state)

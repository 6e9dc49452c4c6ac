"""What every page is given instead of reaching into globals: where the data is, who is
signed in, the task manager, and one "something changed" signal (the Anki habit).

Nobody says by hand what changed: every task of the task manager runs inside the database's
change journal, and a write made on the GUI thread goes through ``run_now``; either way the
session emits ``changed(OpChanges)`` once, and the pages refresh from that. On an office
server, what the other seats commit arrives through the same signal
(``listen_to_other_seats``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from PySide6.QtCore import QObject, QSettings, Signal

from complaints.rules.permissions import ROLES
from complaints.usecases import other_seats, site
from complaints.usecases.changes import OpChanges, recording
from complaints.usecases.context import Context
from desktop.paths import DataPaths
from ui.taskman import TaskManager

# Until sign-in exists, the GUI acts as the site's administrator holding every role
# (the users' sign-in replaces it through Session.set_user).
ADMIN_ACTOR = "管理员"

T = TypeVar("T")


class Session(QObject):
    """The open data folder and the signed-in person, shared by every window."""

    changed = Signal(object)  # OpChanges, emitted once after any work that wrote
    open_case_requested = Signal(int)  # any page may ask the main window to open a case
    new_case_requested = Signal()  # any page may ask for a blank case window
    user_changed = Signal()  # someone signed in or out
    _heard = Signal(object)  # another seat's OpChanges, emitted on the listener's thread

    def __init__(
        self,
        paths: DataPaths,
        taskman: TaskManager,
        *,
        clock: Callable[[], datetime] | None = None,
        ui_settings: QSettings | None = None,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.paths = paths
        self.taskman = taskman
        # Window sizes, column widths: this PC's look, not the office's data (QSettings).
        self.ui_settings = ui_settings if ui_settings is not None else QSettings()
        self._clock = clock
        self._user_ctx: Context | None = None
        self._default_ctx: Context | None = None
        self._site: tuple[site.SiteInfo | None] | None = None  # read once; "settings" clears
        self.changed.connect(self._on_changed)  # first: the pages read the fresh site
        taskman.changes_made.connect(self.changed)
        self._heard.connect(self.changed)  # queued: the GUI thread emits ``changed``
        self.other_seats: other_seats.Listening | None = None

    def ctx(self) -> Context:
        """The Context of the signed-in person (until sign-in: the site's administrator,
        holding every role)."""
        if self._user_ctx is not None:
            return self._user_ctx
        if self._default_ctx is None:
            base = site.context_for(ADMIN_ACTOR, clock=self._clock)
            self._default_ctx = dataclasses.replace(base, roles=frozenset(ROLES))
        return self._default_ctx

    def set_user(self, ctx: Context | None) -> None:
        """Sign someone in (a Context from the users' sign-in) or out (None)."""
        self._user_ctx = ctx
        self.user_changed.emit()

    def site(self) -> site.SiteInfo | None:
        """This office's site (read once: only the settings change it, and they say so)."""
        if self._site is None:
            self._site = (site.local_site(),)
        return self._site[0]

    def run_now(self, fn: Callable[[], T]) -> T:
        """``fn()`` on the GUI thread (a write that a dialog waits for), and then, if it
        wrote anything, ``changed`` once, as for a task of the task manager (also when it
        fails half-way)."""
        rec = None
        try:
            with recording() as rec:
                return fn()
        finally:
            changes = rec.changes() if rec is not None else None
            if changes:
                self.changed.emit(changes)

    def listen_to_other_seats(self, *, seat: str | None = None) -> None:
        """On an office server, refresh the pages from what the other seats commit, as
        from this seat's own writes (nothing happens on this PC's SQLite file)."""
        if self.other_seats is None:
            self.other_seats = other_seats.listen(self._heard.emit, seat=seat)

    def stop_listening(self) -> None:
        if self.other_seats is not None:
            self.other_seats.stop()
            self.other_seats = None

    def request_open_case(self, case_id: int) -> None:
        self.open_case_requested.emit(case_id)

    def _on_changed(self, changes: OpChanges) -> None:
        if "settings" in changes:
            self._site = None
            self._default_ctx = None  # the site's code, name or time zone may have changed

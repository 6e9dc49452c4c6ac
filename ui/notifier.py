"""Deadline notifications while the app runs: when a deadline turns 将到期 or 已逾期.

One timer, set to ``todo.next_change`` (the next moment an item changes status by itself),
plus a re-read after every change; each (case, rule, status) is announced once per run. On
an office server the seats share the reminders: only the first seat to claim one shows it
(complaints/usecases/reminders.py).
Where the desktop offers a system tray the message goes there (QSystemTrayIcon); otherwise
(offscreen, Xvfb, some Linux desktops) it is a notice in the main window's status bar.
Nothing here needs a network. Wire it in desktop/app.py after sign-in:
``Notifier(session, window).start()``.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QMainWindow, QStyle, QSystemTrayIcon, QWidget

from complaints.rules import emergency as emergency_rules
from complaints.rules.deadlines import DeadlineStatus
from complaints.usecases import reminders, todo
from complaints.usecases.changes import OpChanges
from complaints.usecases.context import Context
from complaints.usecases.todo import TodoItem
from ui.reload import ReloadGuard

WATCHED = (DeadlineStatus.AT_RISK, DeadlineStatus.OVERDUE)
MAX_TIMER_MS = 10 * 60_000
MIN_TIMER_MS = 1_000
SHOWN_IN_MESSAGE = 5
STATUS_BAR_MS = 60_000


def tr(text: str) -> str:
    return QCoreApplication.translate("Notifier", text)


def own_department(ctx: Context) -> str | None:
    """A department manager's department: his reminders, 待办 count and list are its cases
    (and its sub-departments'); None for everyone else, who sees every department."""
    if (
        ctx.department
        and "部门经理" in ctx.roles
        and not ({"客服专员", "客服经理", "总经理", "管理员"} & ctx.roles)
    ):
        return ctx.department
    return None


def _scope(ctx: Context) -> dict[str, str]:
    """A department manager hears about his department's cases; everyone else about all."""
    department = own_department(ctx)
    return {"department": department} if department else {}


def load_items(ctx: Context) -> tuple[list[TodoItem], datetime, datetime | None]:
    """Worker side: the open deadlines in the person's scope, now, and the next change."""
    now = ctx.now()
    items = todo.open_deadlines(ctx, now=now, **_scope(ctx))
    return items, now, todo.next_change(items, now)


def load_and_claim(
    ctx: Context, seen: frozenset[reminders.Key]
) -> tuple[list[TodoItem], datetime, datetime | None, set[reminders.Key] | None]:
    """Worker side: as ``load_items``, and on an office server the reminders not ``seen``
    yet claimed for this seat (the set it won); None when every seat shows its own."""
    items, now, next_change = load_items(ctx)
    if not reminders.per_office():
        return items, now, next_change, None
    fresh = [
        ((i.case_id, i.rule, i.status.value), i.due)
        for i in items
        if i.status in WATCHED and (i.case_id, i.rule, i.status.value) not in seen
    ]
    return items, now, next_change, reminders.claim(fresh, now)


def compose(items: list[TodoItem], tz) -> tuple[str, str]:
    """(title, text) of one notification about newly at-risk/overdue items."""
    # an emergency reaches the general manager first, whatever its time
    urgent = [i for i in items if i.rule == emergency_rules.RULE]
    rest = [i for i in items if i.rule != emergency_rules.RULE]
    overdue = [i for i in rest if i.status is DeadlineStatus.OVERDUE]
    risk = [i for i in rest if i.status is DeadlineStatus.AT_RISK]
    parts = []
    if urgent:
        parts.append(tr("{n} 件突发事件").format(n=len(urgent)))
    if overdue:
        parts.append(tr("{n} 项已逾期").format(n=len(overdue)))
    if risk:
        parts.append(tr("{n} 项将到期").format(n=len(risk)))
    title = tr("处理时限提醒:") + "、".join(parts)
    lines = [
        f"{i.number} {i.rule} {tr(i.what)} {tr(i.status.value)}"
        f"({tr('到期')} {i.due.astimezone(tz):%m-%d %H:%M})"
        for i in (urgent + overdue + risk)[:SHOWN_IN_MESSAGE]
    ]
    more = len(items) - SHOWN_IN_MESSAGE
    if more > 0:
        lines.append(tr("……另有 {n} 项,请看“待办”").format(n=more))
    return title, "\n".join(lines)


class Notifier(QObject):
    """Announces deadlines turning 将到期/已逾期; ``notified(list[TodoItem])`` for tests and
    for a window that wants to show more."""

    notified = Signal(list)

    def __init__(
        self,
        session,
        window: QWidget | None = None,
        *,
        use_tray: bool | None = None,
        parent: QObject | None = None,
    ):
        super().__init__(parent if parent is not None else window)
        self.session = session
        self.window = window
        self.seen: set[tuple[int, str, str]] = set()
        self.messages: list[tuple[str, str]] = []  # (title, text) in the order shown
        self._reloads = ReloadGuard(self._start_check)
        self._started = False
        if use_tray is None:
            use_tray = QSystemTrayIcon.isSystemTrayAvailable()
        self.tray: QSystemTrayIcon | None = None
        if use_tray:
            self.tray = QSystemTrayIcon(self)
            icon = window.windowIcon() if window is not None else None
            if icon is None or icon.isNull():
                icon = QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
            self.tray.setIcon(icon)
            self.tray.setToolTip(tr("客诉管理台"))
            self.tray.messageClicked.connect(self._show_todo)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.check)

    def start(self) -> None:
        """Begin watching: a first check now (what is already overdue is announced once)."""
        if self._started:
            return
        self._started = True
        if self.tray is not None:
            self.tray.show()
        self.session.changed.connect(self._on_changed)
        user_changed = getattr(self.session, "user_changed", None)
        if user_changed is not None:
            user_changed.connect(self.check)
        self.check()

    def stop(self) -> None:
        self.timer.stop()
        if self._started:
            self.session.changed.disconnect(self._on_changed)
            user_changed = getattr(self.session, "user_changed", None)
            if user_changed is not None:
                user_changed.disconnect(self.check)
        self._started = False
        if self.tray is not None:
            self.tray.hide()

    def _on_changed(self, changes: OpChanges) -> None:
        if changes.touches(("cases", "entries", "ledger", "settings")):
            self.check()

    def check(self) -> None:
        """Re-read the open deadlines (on the worker) and announce what is new."""
        self._reloads.request()

    def _start_check(self) -> None:
        ctx = self.session.ctx()
        seen = frozenset(self.seen)
        self.session.taskman.run(
            lambda: load_and_claim(ctx, seen), self._loaded, on_error=self._failed
        )

    def _failed(self, _exc: BaseException) -> None:
        self._reloads.failed()
        self.timer.start(MAX_TIMER_MS)

    def _loaded(
        self,
        result: tuple[list[TodoItem], datetime, datetime | None, set[reminders.Key] | None],
    ) -> None:
        self._reloads.done()
        if not self._started:
            return
        items, now, next_change, won = result
        hint = getattr(self.window, "set_badge_hint", None)
        if callable(hint):  # the 待办 count shows before the page is first opened
            hint("todo", sum(1 for i in items if i.status in WATCHED))
        fresh = []
        for i in items:
            if i.status not in WATCHED:
                continue
            key = (i.case_id, i.rule, i.status.value)
            if key in self.seen:
                continue
            self.seen.add(key)
            if won is None or key in won:  # another seat of the office showed it first
                fresh.append(i)
        if fresh:
            self._announce(fresh)
        ms = MAX_TIMER_MS
        if next_change is not None:
            ms = int((next_change - now).total_seconds() * 1000)
        self.timer.start(max(MIN_TIMER_MS, min(MAX_TIMER_MS, ms)))

    def _announce(self, items: list[TodoItem]) -> None:
        title, text = compose(items, self.session.ctx().tz)
        self.messages.append((title, text))
        if self.tray is not None:
            icon = (
                QSystemTrayIcon.MessageIcon.Warning
                if any(i.status is DeadlineStatus.OVERDUE for i in items)
                else QSystemTrayIcon.MessageIcon.Information
            )
            self.tray.showMessage(title, text, icon, 15_000)
        elif isinstance(self.window, QMainWindow):
            first = text.splitlines()[0] if text else ""
            self.window.statusBar().showMessage(f"⚠ {title} — {first}", STATUS_BAR_MS)
        self.notified.emit(items)

    def _show_todo(self) -> None:
        w = self.window
        if w is None:
            return
        w.showNormal()
        w.raise_()
        w.activateWindow()
        show = getattr(w, "show_page", None)
        if callable(show):
            show("todo")

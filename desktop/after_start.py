"""The jobs the start queues once the main window is on screen: the day's backup, the
deadline watch and the sanctions sweep, the demo data asked for at the first run, and the
统计 warm-up. The backup and its quick check run on the maintenance thread (ui/maintenance.py,
never in a person's way); the others on the worker. Errors are said (the backup, a problem
the check found) or logged."""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, date, datetime

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from complaints.rules.periods import Period, PeriodKind, current, previous, same_last_year
from complaints.rules.permissions import ROLES
from complaints.usecases import (
    auth,
    demo,
    import_backup,
    proposals,
    server_link,
    site,
    stats,
    storage,
)
from complaints.usecases.changes import OpChanges
from desktop import APP_TITLE
from ui.error_detail import said, tell
from ui.maintenance import attach_status_line, runner_for
from ui.notifier import Notifier

log = logging.getLogger(__name__)

# The 统计 warm-up: how long after the first paint it begins, and how often it looks again
# while the worker has other jobs (it queues one month at a time, only when the worker idles).
WARMUP_DELAY_MS = 5_000
WARMUP_RETRY_MS = 1_000


SERVER_BACKUP_NOTE = (
    "数据在办公室服务器上:服务器的备份由管理员负责(pg_dump),本机不做每日自动备份;"
    "需要时可在 设置 → 站点与数据 中手动备份一份。"
)


def start_backup(session, window) -> None:
    """The backup at start (at most once a day) and the quick check after it, on the
    maintenance thread, with a progress line in the status bar. First, the office server's
    backups before an import that the last run gave up at exit, if any, are said."""
    abandoned = import_backup.take_abandoned(session.paths.backups)
    if abandoned:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            APP_TITLE,
            import_backup.abandoned_said(abandoned),
            parent=window,
        )
        box.open()  # not modal: the start goes on
    if server_link.on_office_server():
        # Every seat copying the whole office database each morning would load the server
        # and leave the office's customers on every PC: the server's backups are its
        # administrator's (pg_dump, docs/server.md); 设置 → 站点与数据 still makes a copy.
        window.statusBar().showMessage(SERVER_BACKUP_NOTE, 15_000)
        return
    runner = runner_for(session)
    attach_status_line(runner, window)

    def done(report: storage.DailyReport | None) -> None:
        if report is None or report.backup is None:
            return  # cancelled at exit, or today's was already made
        window.statusBar().showMessage(f"已自动备份到 {report.backup}", 8000)
        if report.problems:
            shown = "\n".join(report.problems[:10])
            QMessageBox.warning(
                window,
                APP_TITLE,
                f"每日快速检查发现 {len(report.problems)} 个问题:\n\n{shown}\n\n"
                "请在 设置 → 站点与数据 中运行完整检查,并联系管理员。",
            )

    def failed(exc: BaseException) -> None:
        told = said(exc)  # a folder that cannot be written: in Chinese, the words behind 详细信息
        lead = "启动时的自动备份未能完成:\n"
        tell(window, APP_TITLE, dataclasses.replace(told, message=lead + told.message))

    backups = session.paths.backups
    runner.run(
        lambda progress, cancelled: storage.daily_maintenance(
            backups, datetime.now(UTC), progress=progress, cancelled=cancelled
        ),
        done,
        label="正在自动备份",
        on_error=failed,
    )


def start_watching(session, window) -> None:
    """Deadline notices while the app runs (tray or status bar) and the day's sweep that
    proposes fines for sheets gone overdue without any write to their case (S8)."""
    window.notifier = Notifier(session, window)
    window.notifier.start()

    ctx = session.ctx()
    session.taskman.run(
        lambda: proposals.daily_sweep(ctx),
        on_error=lambda e: log.warning("sanctions sweep failed: %s", e),
    )


def load_demo(session, window, count: int) -> None:
    """Generate demo cases on the worker, with a progress dialog after 0.5 s."""
    # like the demo command: demo data is made by "演示数据", not by the person signed in
    ctx = dataclasses.replace(site.context_for("演示数据"), roles=frozenset(ROLES))

    def work(progress, cancelled):
        return demo.load_demo(ctx, count, progress=progress, cancelled=cancelled)

    def done(_r) -> None:
        start_warmup(session, window)  # the demo's months: their summaries kept

    session.taskman.run_with_progress(
        work, done, label="正在生成演示数据…", cancellable=True, parent=window
    )


def warmup_periods(today: date) -> list[Period]:
    """The months the 统计 page opens with (ui/stats.py: this month, or the previous one in
    the first five days), the previous month and the same month last year, in that order."""
    this_month = current(PeriodKind.MONTH, today)
    opening = previous(this_month) if today.day <= 5 else this_month
    periods = [opening, previous(opening), same_last_year(opening)]
    return periods if this_month in periods else [this_month, *periods]


def start_warmup(session, window, *, delay_ms: int | None = None, on_finished=None) -> None:
    """Keep the closed cases' summaries of every month (table stats_summaries), once, in the
    background, so that the 统计 page's first open of a month costs the "kept" time instead
    of judging every closed case: first the months the page opens with, then every month
    that still has a closed case with nothing kept (after an upgrade, a demo load, a ledger
    import or a restore; started again after each import or restore). Starts ``delay_ms``
    after the call, one month per worker task, each queued only while the worker has
    nothing else to do; errors are only logged (the page computes what is missing itself).
    Not for a person who may not see the 统计 page. ``on_finished()`` after the last."""
    ctx = session.ctx()
    if not auth.allowed(ctx, "stats.view"):
        if on_finished is not None:
            on_finished()
        return
    warmup = getattr(window, "_stats_warmup", None)
    if warmup is None:
        warmup = window._stats_warmup = _Warmup(session, window)
        session.changed.connect(warmup.on_changed)
    warmup.start(
        warmup_periods(ctx.now().astimezone(ctx.tz).date()),
        WARMUP_DELAY_MS if delay_ms is None else delay_ms,
        on_finished,
    )


class _Warmup:
    """The state of the background fill of start_warmup: one chain of worker tasks at a
    time; the months still to do, then a look for more."""

    _SCAN = "scan"  # the step that asks the database which months still need it

    def __init__(self, session, window) -> None:
        self.session, self.window = session, window
        self.todo: list = []
        self.running = False
        self.finished: list = []

    def start(self, periods, delay_ms: int, on_finished=None) -> None:
        if on_finished is not None:
            self.finished.append(on_finished)
        for p in [*periods, self._SCAN]:
            if p not in self.todo:
                self.todo.append(p)
        if not self.running:
            self.running = True
            QTimer.singleShot(delay_ms, self.window, self.step)

    def on_changed(self, changes: OpChanges) -> None:
        """A ledger import or a restore may bring months with nothing kept."""
        if "ledger" in changes:
            self.start([], WARMUP_DELAY_MS)

    def step(self) -> None:
        if not self.todo:
            self.running = False
            finished, self.finished = self.finished, []
            for f in finished:
                f()
            return
        if self.session.taskman.is_busy():  # the person's own work goes first
            QTimer.singleShot(WARMUP_RETRY_MS, self.window, self.step)
            return
        item = self.todo.pop(0)
        person = self.session.ctx()

        def work():
            if item == self._SCAN:
                return stats.months_to_fill(person.now(), person.tz)
            stats.figures_for(item, (), as_of=person.now(), tz=person.tz)
            stats.keep_summaries()
            return None

        def done(more) -> None:
            if more:  # the scan's months: each its own task, newest first
                self.todo.extend(p for p in more if p not in self.todo)
            QTimer.singleShot(0, self.window, self.step)

        def failed(exc: BaseException) -> None:
            log.warning("statistics warm-up of %s failed: %s", getattr(item, "code", item), exc)
            QTimer.singleShot(0, self.window, self.step)

        self.session.taskman.run(work, done, on_error=failed, parent=self.window)

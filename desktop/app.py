"""Starting the GUI: the Qt application, the database of the data folder, the first
start, and the main window. ``--smoke`` paints the main window once offscreen and exits
(for CI and installers)."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from desktop import APP_NAME, APP_TITLE, __version__
from desktop.paths import DataPaths, data_paths
from ui import pin_singletons

log = logging.getLogger(__name__)

ORGANISATION = "ComplaintDesk"
SMOKE_TIMEOUT_MS = 20_000
# The 统计 warm-up: how long after the first paint it begins, and how often it looks again
# while the worker has other jobs (it queues one month at a time, only when the worker idles).
WARMUP_DELAY_MS = 5_000
WARMUP_RETRY_MS = 1_000
GUI_WRITE_WAIT_S = 10.0  # how long a write on the GUI thread waits for another writer


def start_over() -> None:
    """The start is over (the main window has painted, or a dialog waits for the person):
    the garbage collector, off since desktop/__main__.py (and run_gui), is on again. What the
    start made lives as long as the program, so it is frozen out of every later collection."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def run_gui(args: argparse.Namespace) -> int:
    """Run the GUI until the main window closes; the exit status (2: the data cannot open)."""
    gc.disable()  # until start_over(): see desktop/__main__.py
    pin_singletons()  # before the first Qt object: see ui/__init__.py
    smoke = bool(getattr(args, "smoke", False))
    if smoke:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANISATION)
    app.setApplicationVersion(__version__)
    icon = _app_icon()
    if icon is not None:
        app.setWindowIcon(icon)

    checks = _StartChecks(smoke)  # before the first dialog, else after the first paint
    temp = None
    data_dir = getattr(args, "data_dir", None)
    if data_dir is not None:  # a --data-dir Windows cannot hold: say so, create nothing
        from desktop.paths import data_dir_problem

        problem = data_dir_problem(data_dir)
        if problem:
            print(f"错误:{problem}", file=sys.stderr)
            if not smoke:
                from PySide6.QtWidgets import QMessageBox

                QMessageBox.critical(None, APP_TITLE, problem)
            start_over()
            return 2
    if smoke and data_dir is None:  # never create a database in the user's folder to smoke
        import tempfile

        temp = tempfile.TemporaryDirectory(prefix="complaintdesk-smoke-")
        data_dir = Path(temp.name)
    _install_qt_translations(app)
    from ui.fonts import prefer_cjk_font

    prefer_cjk_font(app)
    paths = data_paths(data_dir)
    instance = None
    try:
        if not smoke:  # one running instance per data folder: a second start raises the first
            from desktop.paths import secure_data_dir
            from desktop.single_instance import SingleInstance

            secure_data_dir(paths.root)  # 0700, its files 0600 (issue 15 §7)

            instance = SingleInstance(paths.root)
            if not instance.try_lock(listen=False):  # listens once the window has painted
                if not instance.notify_running():
                    print(f"客诉管理台已在运行(数据文件夹 {paths.root})", file=sys.stderr)
                return 0
        return _run(app, paths, smoke=smoke, instance=instance, checks=checks)
    finally:
        start_over()  # however the start ended
        if instance is not None:
            instance.release()
        if temp is not None:
            temp.cleanup()


# Labels qtbase_zh_CN leaves in English (Qt 6.8-6.12): the file dialog's "Look in" and
# "Files of type" carry an accelerator (&) its catalogue has only without one.
QT_GAPS = {
    ("QFileDialog", "&Look in:"): "查找范围(&L)：",
    ("QFileDialog", "Files of &type:"): "文件类型(&T)：",
}


def _install_qt_translations(app) -> list:
    """Qt's own dialogs, buttons and messages in Simplified Chinese (qtbase_zh_CN, and
    QT_GAPS for what it lacks). Returns the translators installed."""
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

    class Gaps(QTranslator):
        def translate(self, context, source, disambiguation=None, n=-1):
            # None (a null string) lets the next translator answer; "" would be taken as
            # the translation and blank every other text of the program
            return QT_GAPS.get((str(context), source))

        def isEmpty(self) -> bool:
            return False

    installed = []
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load(
        QLocale(QLocale.Language.Chinese, QLocale.Country.China), "qtbase", "_", folder
    ):
        app.installTranslator(translator)
        installed.append(translator)
    gaps = Gaps(app)
    app.installTranslator(gaps)  # asked first: the last installed is
    installed.append(gaps)
    app._qt_translators = installed  # the Python override lives as long as the app
    return installed


class _StartChecks:
    """The warnings of the start, once: the CJK font (a fontconfig subprocess) and, once the
    database is open, a data folder on a network drive. They run right before the first
    dialog, or just after the main window's first paint, so they do not delay the window."""

    def __init__(self, smoke: bool):
        self.smoke = smoke
        self.done = False
        self.paths: DataPaths | None = None  # set when the database has opened

    def __call__(self) -> None:
        start_over()  # a dialog may follow: the person's time, not the start's
        # every window and dialog opened from now on fits the screen (issue 17 §2); the
        # main window sizes itself to the screen before its first paint
        from ui import window_fit

        window_fit.install()
        if self.done:
            return
        self.done = True
        from ui.fonts import check_cjk_font

        check_cjk_font(None if self.smoke else _font_box)
        if self.paths is not None:
            _warn_network_drive(self.paths, smoke=self.smoke)


def after_first_paint(window, fn, *, fallback_ms: int = 3000) -> None:
    """Call ``fn()`` once, on the GUI thread, as soon as ``window`` has painted for the first
    time (or after ``fallback_ms`` if it never paints, e.g. started minimised): work the
    first paint does not need waits until the window is on screen."""
    from ui.painting import after_next_paint

    after_next_paint(window, fn, fallback_ms=fallback_ms)


class _Database:
    """The data folder's database at start. When it already has this program's schema, the
    first screen reads it through a read-only connection (db.reads) and the main window
    paints before peewee is even imported (issue 2 §8); the full open (peewee, pragmas, the
    schema check) follows right after the first paint, or before anything that writes: the
    first-run and sign-in dialogs. The worker's tasks wait for it (TaskManager.hold)."""

    def __init__(self, paths: DataPaths, *, smoke: bool, checks: _StartChecks):
        self.paths, self.smoke, self.checks = paths, smoke, checks
        self.taskman = None
        self.is_open = False

    def open_early(self) -> bool:
        """Open read-only for the first screen if the schema is current; else open fully
        now. False (after saying why) if the database cannot be opened."""
        from db import reads

        if reads.open_early(self.paths.database):
            return True
        return self.open_fully()

    def open_fully(self) -> bool:
        """Open the database for good, once, and let the worker start; False (after saying
        why, in a box unless smoking) if it cannot be opened."""
        if self.is_open:
            return True
        from db.database import open_database
        from db.errors import StorageError

        try:
            open_database(
                self.paths.database, backup_dir=self.paths.backups, app_version=__version__
            )
        except Exception as e:
            if not isinstance(e, StorageError | OSError):  # e.g. SQLite refusing to write
                log.exception("opening %s failed", self.paths.database)
            self.checks()  # the font check, as before any message box
            message = f"无法打开数据文件夹 {self.paths.root} 中的数据库:\n{e}"
            print(f"错误:{message}", file=sys.stderr)
            if not self.smoke:
                from PySide6.QtWidgets import QMessageBox

                QMessageBox.critical(None, APP_TITLE, message)
            return False
        from db import engine

        # A write on the GUI thread (the first-run and sign-in dialogs) waits for another
        # program's write as the old busy timeout did, not for minutes: the window would
        # look hung. The worker's writes wait longer, and say so (issue 15 §4).
        engine.set_thread_wait_limit(GUI_WRITE_WAIT_S)
        self.is_open = True
        if self.taskman is not None:
            self.taskman.release()
        return True

    def close(self) -> None:
        from db import reads

        reads.close_early()
        if self.is_open:
            from db import engine
            from db.database import close_database

            close_database()
            engine.set_thread_wait_limit(None)


def _connect_worker(taskman=None) -> None:
    from db import engine
    from db.models import database

    database.connect(reuse_if_open=True)
    if taskman is not None:  # a write that waits for another program says so (issue 15 §4)
        engine.set_thread_listener(lambda path: taskman.note_waiting(path is not None))


def _close_worker() -> None:
    from db import engine
    from db.models import database

    engine.set_thread_listener(None)
    database.close()


def _run(app, paths: DataPaths, *, smoke: bool, instance=None, checks=None) -> int:
    checks = checks or _StartChecks(smoke)
    db = _Database(paths, smoke=smoke, checks=checks)
    if not db.open_early():
        return 2
    checks.paths = paths  # the network-drive warning joins the font check

    from PySide6.QtCore import QSettings

    from complaints.usecases import site
    from ui.main_window import MainWindow
    from ui.session import Session
    from ui.taskman import TaskManager

    made: list = []  # the worker's start needs the TaskManager it belongs to
    taskman = TaskManager(thread_start=lambda: _connect_worker(made[0]), thread_stop=_close_worker)
    made.append(taskman)
    if not db.is_open:
        taskman.hold()
        db.taskman = taskman
    scratch = None
    if smoke:  # a smoke run leaves the user's window geometry and column widths alone
        import tempfile

        scratch = tempfile.TemporaryDirectory(prefix="complaintdesk-ui-")
    ui_settings = (
        QSettings(str(Path(scratch.name) / "settings.ini"), QSettings.Format.IniFormat)
        if scratch
        else QSettings()
    )
    session = Session(paths, taskman, ui_settings=ui_settings)
    try:
        if smoke:
            opened = []

            def smoke_after_paint() -> None:
                start_over()
                opened.append(db.open_fully())
                checks()

            rc = _smoke(app, MainWindow(session), after_paint=smoke_after_paint)
            return rc if all(opened) else 2
        demo_cases = 0
        if not site.is_initialised():
            checks()
            if not db.open_fully():  # the first-run dialog writes the site
                return 2
            answer = _first_run()
            if answer is None:
                return 0
            demo_cases = answer
        from complaints.usecases import users

        first_admin = signin.start_state(datetime.now(UTC))[0]  # no account yet: first run
        signed_in = _sign_in(session, db)
        if signed_in is None:
            return 2
        if not signed_in:
            return 0
        if first_admin and not signin.start_state(datetime.now(UTC))[0]:
            # the administrator was just created, and may not register a case: the office's
            # people next (issue 17 §1)
            from ui.first_run import set_up_people

            set_up_people(session, demo=bool(demo_cases))
        # Only the case list is known to build from the read-only connection; another start
        # page (the last one shown) opens after the full open.
        if MainWindow.start_page(ui_settings) != "cases" and not db.open_fully():
            return 2
        window = MainWindow(session)

        def after_paint() -> None:  # the worker's jobs start once the window is on screen
            start_over()
            if not db.open_fully():
                app.exit(2)
                return
            if instance is not None:  # a second start now brings this window forward
                instance.raise_requested.connect(
                    lambda: (window.showNormal(), window.raise_(), window.activateWindow())
                )
                instance.listen()
            _start_backup(session, window)
            _start_watching(session, window)
            window.restore_drafts()  # case windows a crash left with unsaved edits
            if demo_cases:
                _load_demo(session, window, demo_cases)
            _start_warmup(session, window)
            checks()  # last: a warning box waits for the person, the queued jobs need not

        after_first_paint(window, after_paint)
        window.show()
        return app.exec()
    finally:
        taskman.shutdown()
        db.close()
        if scratch is not None:
            scratch.cleanup()


def _first_run() -> int | None:
    """Ask the site; None if the user quits, else how many demo cases to make (0: none)."""
    from complaints.usecases import site
    from ui.first_run import FirstRunDialog

    dialog = FirstRunDialog(demo_available=demo_generator() is not None)
    if not dialog.exec():
        return None
    site.init_site(dialog.site_code(), dialog.site_name(), now=datetime.now(UTC))
    return dialog.demo_cases() if dialog.wants_demo() else 0


def _warn_network_drive(paths: DataPaths, *, smoke: bool) -> None:
    """SQLite is not safe on a network drive: say so, but let the office decide."""
    try:
        from db.location import network_drive_warning
    except ImportError:
        return
    warning = network_drive_warning(paths.root)
    if warning:
        print(f"警告:{warning}", file=sys.stderr)
        if not smoke:
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.warning(None, APP_TITLE, warning)


def _start_backup(session, window) -> None:
    """The backup at start (at most once a day), on the worker thread."""
    try:
        from complaints.usecases import storage
    except ImportError:
        return
    from PySide6.QtWidgets import QMessageBox

    def done(path) -> None:
        if path:
            window.statusBar().showMessage(f"已自动备份到 {path}", 8000)

    def failed(exc: BaseException) -> None:
        QMessageBox.warning(window, APP_TITLE, f"启动时的自动备份未能完成:\n{exc}")

    backups = session.paths.backups
    session.taskman.run(
        lambda: storage.auto_backup(backups, datetime.now(UTC)),
        done,
        on_error=failed,
        parent=window,
    )


def _start_watching(session, window) -> None:
    """Deadline notices while the app runs (tray or status bar) and the day's sweep that
    proposes fines for sheets gone overdue without any write to their case (S8)."""
    from complaints.usecases import sanctions
    from ui.notifier import Notifier

    window.notifier = Notifier(session, window)
    window.notifier.start()

    def swept(report) -> None:
        if report is not None and (
            report.created or report.withdrawn or report.revived or report.updated
        ):
            session.notify_changed("sanctions")

    ctx = session.ctx()
    session.taskman.run(
        lambda: sanctions.daily_sweep(ctx),
        swept,
        on_error=lambda e: log.warning("sanctions sweep failed: %s", e),
    )


def warmup_periods(today) -> list:
    """The months the 统计 page opens with (ui/stats.py: this month, or the previous one in
    the first five days), the previous month and the same month last year, in that order."""
    from complaints.rules.periods import PeriodKind, current, previous, same_last_year

    this_month = current(PeriodKind.MONTH, today)
    opening = previous(this_month) if today.day <= 5 else this_month
    periods = [opening, previous(opening), same_last_year(opening)]
    return periods if this_month in periods else [this_month, *periods]


def _start_warmup(session, window, *, delay_ms: int | None = None, on_finished=None) -> None:
    """Keep the closed cases' summaries of every month (table stats_summaries), once, in the
    background, so that the 统计 page's first open of a month costs the "kept" time instead
    of judging every closed case (issue 8): first the months the page opens with, then every
    month that still has a closed case with nothing kept (after an upgrade, a demo load, a
    ledger import or a restore; started again after each import or restore). Starts
    ``delay_ms`` after the call, one month per worker task, each queued only while the worker
    has nothing else to do; errors are only logged (the page computes what is missing
    itself). Not for a person who may not see the 统计 page. ``on_finished()`` after the
    last."""
    from complaints.usecases import auth

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
    """The state of the background fill of _start_warmup: one chain of worker tasks at a
    time; the months still to do, then a look for more."""

    _SCAN = "scan"  # the step that asks the database which months still need it

    def __init__(self, session, window) -> None:
        self.session, self.window = session, window
        self.todo: list = []
        self.running = False
        self.finished: list = []

    def start(self, periods, delay_ms: int, on_finished=None) -> None:
        from PySide6.QtCore import QTimer

        if on_finished is not None:
            self.finished.append(on_finished)
        for p in [*periods, self._SCAN]:
            if p not in self.todo:
                self.todo.append(p)
        if not self.running:
            self.running = True
            QTimer.singleShot(delay_ms, self.window, self.step)

    def on_changed(self, topic: str) -> None:
        """A ledger import or a restore may bring months with nothing kept."""
        if topic == "ledger":
            self.start([], WARMUP_DELAY_MS)

    def step(self) -> None:
        from PySide6.QtCore import QTimer

        from complaints.usecases import stats

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


def _sign_in(session, db: _Database) -> bool | None:
    """Who works: the person remembered on this PC goes straight to the main window (read
    through db.reads, so the window still paints before peewee is imported); otherwise the
    database opens fully and the first-administrator or sign-in dialog asks. False if
    cancelled, None if the database cannot be opened."""
    from complaints.usecases import users

    needs_first_admin, remembered = signin.start_state(datetime.now(UTC))
    if remembered is not None and not needs_first_admin:
        session.set_user(users.context_for_user(remembered))
        return True
    db.checks()  # the font check, before the dialog
    if not db.open_fully():  # the dialogs write: attempts, lockouts, the first account
        return None
    from ui.sign_in import sign_in_at_start

    return sign_in_at_start(session)


def demo_generator():
    """The demo-data generator of complaints.usecases.demo if it exists, else None."""
    try:
        from complaints.usecases import demo
    except ImportError:
        return None
    return getattr(demo, "load_demo", None) or getattr(demo, "generate", None)


def _load_demo(session, window, count: int) -> None:
    """Generate demo cases on the worker, with a progress dialog after 0.5 s."""
    generate = demo_generator()
    if generate is None:
        return
    import dataclasses

    from complaints.rules.permissions import ROLES
    from complaints.usecases import site

    # like the demo command: demo data is made by "演示数据", not by the person signed in
    ctx = dataclasses.replace(site.context_for("演示数据"), roles=frozenset(ROLES))
    import inspect

    params = inspect.signature(generate).parameters
    cancellable = "cancelled" in params

    def work(progress, cancelled):
        kwargs = {"progress": progress} if "progress" in params else {}
        if cancellable:
            kwargs["cancelled"] = cancelled
        return generate(ctx, count, **kwargs)

    def done(_r) -> None:
        session.notify_changed("cases")
        session.notify_changed("sanctions")
        _start_warmup(session, window)  # the demo's months: their summaries kept

    session.taskman.run_with_progress(
        work, done, label="正在生成演示数据…", cancellable=cancellable, parent=window
    )


def _smoke(app, window, after_paint=None) -> int:
    """Show the window offscreen, return 0 once it has been painted (then ``after_paint()``,
    e.g. the font check, which the first paint does not wait for)."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class PaintWatch(QObject):
        painted = False

        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint and not self.painted:
                self.painted = True
                QTimer.singleShot(0, app.quit)
            return False

    watch = PaintWatch()
    window.installEventFilter(watch)
    QTimer.singleShot(SMOKE_TIMEOUT_MS, app.quit)
    window.show()
    app.exec()
    window.removeEventFilter(watch)
    ok = watch.painted
    if ok and after_paint is not None:
        after_paint()
    window.close()
    window.deleteLater()
    if not ok:
        print("错误:主窗口未能绘制", file=sys.stderr)
    return 0 if ok else 1


def _app_icon():
    from PySide6.QtGui import QIcon, QPixmap

    beside = Path(__file__).with_name("resources") / "icon.png"
    if beside.is_file():  # QIcon(path) reads the file only when it is drawn
        return QIcon(str(beside))
    from importlib import resources

    try:
        data = (resources.files("desktop.resources") / "icon.png").read_bytes()
    except (FileNotFoundError, ModuleNotFoundError, OSError):
        return None
    pixmap = QPixmap()
    if not pixmap.loadFromData(data):
        return None
    return QIcon(pixmap)


def _font_box(message: str) -> None:
    from PySide6.QtWidgets import QMessageBox

    QMessageBox.warning(None, "缺少中文字体 / Missing Chinese font", message)

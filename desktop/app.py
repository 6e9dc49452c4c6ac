"""Starting the GUI: the Qt application, the database of the data folder (opened fully,
migrated if it must be, before any window), the first start, who signs in, and the main
window. ``--smoke`` paints the main window once offscreen and exits (for CI and installers)."""

from __future__ import annotations

import argparse
import dataclasses
import gc
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from complaints.usecases import signin, site, users
from complaints.usecases.errors import UseCaseError
from db import engine
from db.database import close_database, limit_page_cache, open_database
from db.errors import StorageError, os_trouble
from db.location import network_drive_warning
from db.models import database
from desktop import APP_NAME, APP_TITLE, __version__
from desktop.paths import DataPaths, data_dir_problem, data_paths, secure_data_dir
from desktop.qt_setup import app_icon, font_box, install_qt_translations
from desktop.server_start import Opened, open_chosen
from desktop.single_instance import SingleInstance
from ui import gc_thread, pin_singletons, window_fit
from ui.error_detail import Said, said, tell
from ui.first_run import FirstRunDialog, set_up_people
from ui.fonts import check_cjk_font, prefer_cjk_font
from ui.main_window import MainWindow
from ui.maintenance import runner_for
from ui.painting import after_next_paint
from ui.restart import restart_requested
from ui.session import Session
from ui.sign_in import sign_in_at_start
from ui.taskman import TaskManager
from ui.upgrade_progress import UpgradeProgress

log = logging.getLogger(__name__)

ORGANISATION = "ComplaintDesk"
SMOKE_TIMEOUT_MS = 20_000
GUI_WRITE_WAIT_S = 10.0  # how long a write on the GUI thread waits for another writer


def start_over() -> None:
    """The start is over (the main window has painted, or a dialog waits for the person):
    the garbage collector, off since desktop/__main__.py (and run_gui), collects again, on
    the GUI thread only (ui/gc_thread.py: never a widget freed on the worker's thread). What
    the start made lives as long as the program, so it is frozen out of every later
    collection, once."""
    if gc_thread.running() is None:
        gc.freeze()
        gc_thread.collect_on_gui_thread()


def run_gui(args: argparse.Namespace) -> int:
    """Run the GUI until the main window closes; the exit status (2: the data cannot open)."""
    gc.disable()  # until start_over(): see desktop/__main__.py
    pin_singletons()  # before the first Qt object: see ui/__init__.py
    smoke = bool(getattr(args, "smoke", False))
    if smoke:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANISATION)
    app.setApplicationVersion(__version__)
    icon = app_icon()
    if icon is not None:
        app.setWindowIcon(icon)

    checks = StartChecks(smoke)  # before the first dialog, else after the first paint
    temp = None
    data_dir = getattr(args, "data_dir", None)
    if data_dir is not None:  # a --data-dir Windows cannot hold: say so, create nothing
        problem = data_dir_problem(data_dir)
        if problem:
            print(f"错误:{problem}", file=sys.stderr)
            if not smoke:
                QMessageBox.warning(None, APP_TITLE, problem)
            start_over()
            return 2
    if smoke and data_dir is None:  # never create a database in the user's folder to smoke
        temp = tempfile.TemporaryDirectory(prefix="complaintdesk-smoke-")
        data_dir = Path(temp.name)
    install_qt_translations(app)
    prefer_cjk_font(app)
    paths = data_paths(data_dir)
    instance = None
    try:
        if not smoke:  # one running instance per data folder: a second start raises the first
            secure_data_dir(paths.root)  # the data folder 0700, its files 0600
            instance = SingleInstance(paths.root)
            if not instance.try_lock(listen=False):  # listens once the window has painted
                if not instance.notify_running():
                    print(f"客诉管理台已在运行(数据文件夹 {paths.root})", file=sys.stderr)
                return 0
        return _run(
            app,
            paths,
            smoke=smoke,
            instance=instance,
            checks=checks,
            server_url=getattr(args, "database", None),
        )
    finally:
        start_over()  # however the start ended
        if instance is not None:
            instance.release()
        if temp is not None:
            temp.cleanup()
        if restart_requested():  # 设置 → 数据库 saved: once this one let go of the folder
            _start_again()


def _start_again() -> None:
    """Start the program again with this one's command line (the database is chosen at
    the start, so a new choice needs a new start)."""
    if getattr(sys, "frozen", False):  # the packaged program: its executable is the program
        command = [sys.executable, *sys.argv[1:]]
    else:
        command = [sys.executable, "-m", "desktop", *sys.argv[1:]]
    try:
        subprocess.Popen(command, close_fds=True)
    except OSError as e:
        log.error("could not start again: %s", e)


class StartChecks:
    """The warnings of the start, once: the CJK font (a fontconfig subprocess) and, once the
    database is open, a data folder on a network drive. They run right before the first
    dialog, or just after the main window's first paint, so they do not delay the window."""

    def __init__(self, smoke: bool):
        self.smoke = smoke
        self.done = False
        self.paths: DataPaths | None = None  # set when the database has opened

    def __call__(self) -> None:
        start_over()  # a dialog may follow: the person's time, not the start's
        # every window and dialog opened from now on fits the screen; the main window sizes
        # itself to the screen before its first paint
        window_fit.install()
        if self.done:
            return
        self.done = True
        check_cjk_font(None if self.smoke else font_box)
        if self.paths is not None:
            _warn_network_drive(self.paths, smoke=self.smoke)


def _warn_network_drive(paths: DataPaths, *, smoke: bool) -> None:
    """SQLite is not safe on a network drive: say so, but let the office decide."""
    warning = network_drive_warning(paths.root)
    if warning:
        print(f"警告:{warning}", file=sys.stderr)
        if not smoke:
            QMessageBox.warning(None, APP_TITLE, warning)


def after_first_paint(window: QWidget, fn: Callable[[], None], *, fallback_ms: int = 3000) -> None:
    """Call ``fn()`` once, on the GUI thread, as soon as ``window`` has painted for the first
    time (or after ``fallback_ms`` if it never paints, e.g. started minimised): work the
    first paint does not need waits until the window is on screen."""
    after_next_paint(window, fn, fallback_ms=fallback_ms)


def open_data(paths: DataPaths, *, smoke: bool, checks: StartChecks) -> bool:
    """Open the data folder's database for good, migrating it (after a verified backup) if it
    is older than this program; False, after saying why (in a box unless smoking), when it
    cannot be opened: a database newer than this program, not ours, locked, read-only."""
    progress = None if smoke else UpgradeProgress()
    try:
        try:
            open_database(
                paths.database, backup_dir=paths.backups, app_version=__version__, progress=progress
            )
        finally:
            if progress is not None:
                progress.finish()
        limit_page_cache()
    except Exception as e:
        if not isinstance(e, StorageError | OSError):  # e.g. SQLite refusing to write
            log.exception("opening %s failed", paths.database)
        checks()  # the font check, as before any message box
        told = opening_said(e, paths)
        print(f"错误:{told.message}", file=sys.stderr)
        if told.detail:
            print(f"详细信息:{told.detail}", file=sys.stderr)
        if not smoke:
            tell(None, APP_TITLE, told)
        return False
    # A write on the GUI thread (the first-run and sign-in dialogs) waits for another
    # program's write as long as a person waits for a button, not for minutes: the window
    # would look hung. The worker's writes wait longer, and say so.
    engine.set_thread_wait_limit(GUI_WRITE_WAIT_S)
    return True


def opening_said(exc: BaseException, paths: DataPaths) -> Said:
    """Why the data folder's database did not open, as every page says an error
    (ui/error_detail.py): our own Chinese words for a file SQLite or the system refused
    (read-only, full, locked, no rights), the engine's words behind 详细信息."""
    found = engine.storage_error(exc, str(paths.database))
    if found is not None and found is not exc:
        told = said(exc, expected=str(found))
    elif isinstance(exc, OSError):
        told = said(exc, expected=_os_trouble(exc, paths))
    else:
        told = said(exc)
    lead = f"无法打开数据文件夹 {paths.root} 中的数据库:\n"
    return dataclasses.replace(told, message=lead + told.message)


def _os_trouble(exc: OSError, paths: DataPaths) -> str:
    """A file of the data folder the system refused, in Chinese."""
    where = exc.filename or paths.database
    trouble = os_trouble(exc)
    if trouble is not None:
        return f"{where}:{trouble}。"
    return f"无法读写 {where}:请检查磁盘与该文件夹,或联系管理员。"


def _close_data() -> None:
    close_database()
    engine.set_thread_wait_limit(None)


def _connect_worker(taskman: TaskManager | None = None) -> None:
    database.connect(reuse_if_open=True)
    if taskman is not None:  # a write that waits for another program says so
        engine.set_thread_listener(lambda path: taskman.note_waiting(path is not None))


def _close_worker() -> None:
    engine.set_thread_listener(None)
    database.close()


def _run(
    app: QApplication,
    paths: DataPaths,
    *,
    smoke: bool,
    instance: SingleInstance | None = None,
    checks: StartChecks | None = None,
    server_url: str | None = None,
) -> int:
    """The GUI on the database the start names: ``server_url`` (``--database``), else the
    environment variable, else 设置 → 数据库, else this PC's data (desktop/server_start.py)."""
    checks = start_checks = checks or StartChecks(smoke)
    opened = open_chosen(
        server_url,
        paths,
        smoke=smoke,
        before_dialog=start_checks,
        open_local=lambda: open_data(paths, smoke=smoke, checks=start_checks),
    )
    if opened is None:
        return 2
    if opened is Opened.LOCAL:
        checks.paths = paths  # the network-drive warning joins the font check
    made: list[TaskManager] = []  # the worker's start needs the TaskManager it belongs to
    taskman = TaskManager(thread_start=lambda: _connect_worker(made[0]), thread_stop=_close_worker)
    made.append(taskman)
    scratch = None
    if smoke:  # a smoke run leaves the user's window geometry and column widths alone
        scratch = tempfile.TemporaryDirectory(prefix="complaintdesk-ui-")
    ui_settings = (
        QSettings(str(Path(scratch.name) / "settings.ini"), QSettings.Format.IniFormat)
        if scratch
        else QSettings()
    )
    session = Session(paths, taskman, ui_settings=ui_settings)
    try:
        if smoke:

            def smoke_after_paint() -> None:
                start_over()
                checks()

            return _smoke(app, MainWindow(session), after_paint=smoke_after_paint)
        demo_cases = 0
        if not site.is_initialised():
            checks()
            answer = _first_run()
            if answer is None:
                return 0
            demo_cases = answer
        first_admin = signin.start_state(datetime.now(UTC))[0]  # no account yet: first run
        if not _sign_in(session, checks):
            return 0
        if first_admin and not signin.start_state(datetime.now(UTC))[0]:
            # the administrator was just created, and may not register a case: the office's
            # people next
            set_up_people(session, demo=bool(demo_cases))
        window = MainWindow(session)

        def after_paint() -> None:  # the worker's jobs start once the window is on screen
            # The jobs' modules (statistics, sanctions, the notifier, the demo generator) are
            # imported here, after the first paint: the one import inside a function on the
            # start path, so the start stays within its budget (bench/README.md, start-up).
            from desktop import after_start

            start_over()
            if instance is not None:  # a second start now brings this window forward
                instance.raise_requested.connect(lambda: _bring_forward(window))
                instance.listen()
            after_start.start_backup(session, window)
            after_start.start_watching(session, window)
            session.listen_to_other_seats()  # an office server's other seats (not SQLite)
            window.restore_drafts()  # case windows a crash left with unsaved edits
            if demo_cases:
                after_start.load_demo(session, window, demo_cases)
            after_start.start_warmup(session, window)
            checks()  # last: a warning box waits for the person, the queued jobs need not

        after_first_paint(window, after_paint)
        window.show()
        return app.exec()
    finally:
        runner_for(session).shutdown()  # a backup running now stops, leaving nothing
        session.stop_listening()
        taskman.shutdown()
        _close_data()
        if scratch is not None:
            scratch.cleanup()


def _bring_forward(window: QWidget) -> None:
    window.showNormal()
    window.raise_()
    window.activateWindow()


def _first_run() -> int | None:
    """Ask the site; None if the user quits, else how many demo cases to make (0: none)."""
    dialog = FirstRunDialog(demo_available=True)
    if not dialog.exec():
        return None
    return _register_site(dialog.site_code(), dialog.site_name(), dialog)


def _register_site(code: str, name: str, dialog: FirstRunDialog) -> int:
    """Register the site the first-run dialog asked for, once per database: another seat
    that started on the same empty office server a moment earlier may have registered its
    own, which is then kept and said (no demo cases are added to it). How many demo cases
    to make (0: none)."""
    try:
        info, made = site.init_site_once(code, name, now=datetime.now(UTC))
    except UseCaseError as e:  # another seat registered another code: that one stays
        found = site.local_site()
        if found is None:
            raise
        refused = said(e).message
        QMessageBox.information(
            None, APP_TITLE, f"{refused}。\n将使用本数据库的站点 {found.code}({found.name})。"
        )
        return 0
    if not made:
        QMessageBox.information(
            None,
            APP_TITLE,
            f"本数据库刚由另一个座位初始化为站点 {info.code}({info.name}),将使用该站点。",
        )
        return 0
    return dialog.demo_cases() if dialog.wants_demo() else 0


def _sign_in(session: Session, checks: StartChecks) -> bool:
    """Who works: the person remembered on this PC goes straight to the main window;
    otherwise the first-administrator or sign-in dialog asks. False if cancelled."""
    needs_first_admin, remembered = signin.start_state(datetime.now(UTC))
    if remembered is not None and not needs_first_admin:
        session.set_user(users.context_for_user(remembered))
        return True
    checks()  # the font check, before the dialog
    return bool(sign_in_at_start(session))


def _smoke(
    app: QApplication, window: QWidget, after_paint: Callable[[], None] | None = None
) -> int:
    """Show the window offscreen, return 0 once it has been painted (then ``after_paint()``,
    e.g. the font check, which the first paint does not wait for)."""

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

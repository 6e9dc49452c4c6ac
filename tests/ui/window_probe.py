"""Open every top-level window and dialog of the program on the screen Qt was started with
and print, as JSON, every window or button that does not lie inside the screen's available
geometry. Run by tests/ui/test_windows_fit.py in a subprocess, with an offscreen screen of
the office's sizes (1366x768; 1920x1080 at 150 %): the size of a screen is fixed when Qt
starts, so it cannot change inside the test process.

    python tests/ui/window_probe.py DATA_DIR
"""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QRect, QSettings  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QAbstractButton,
    QApplication,
    QDialog,
    QWidget,
)

import ui  # noqa: E402 (pin_singletons, before the first Qt object)

NOW = datetime.fromisoformat("2026-11-20T09:30:00+08:00")


def _problems(name: str, window: QWidget, screen: QRect) -> list[str]:
    """The window (its frame) and each visible button, against the available screen."""
    out = []
    frame = window.frameGeometry()
    if not screen.contains(frame):
        out.append(f"{name}: window {frame.getRect()} outside {screen.getRect()}")
    for button in window.findChildren(QAbstractButton):
        if not button.isVisibleTo(window) or button.window() is not window:
            continue
        if not _reachable(button):
            continue  # on a tab not shown, or scrolled away inside a scroll area
        top_left = button.mapToGlobal(button.rect().topLeft())
        rect = QRect(top_left, button.size())
        if not screen.contains(rect):
            text = button.text() or button.toolTip() or button.objectName() or "?"
            out.append(f"{name}: button {text!r} at {rect.getRect()} outside {screen.getRect()}")
    return out


def _sideways(name: str, window: QWidget) -> list[str]:
    """Every form (a scroll area that is not a table or list) that scrolls sideways: its
    rows are wider than the window leaves them. A table may scroll sideways; a form may not."""
    from PySide6.QtWidgets import QScrollArea

    return [
        f"{name}: {type(area.widget()).__name__} {area.widget().minimumSizeHint().width()} px "
        f"wide in {area.viewport().width()} px"
        for area in window.findChildren(QScrollArea)
        if area.isVisible() and area.horizontalScrollBar().isVisible()
    ]


def _reachable(w: QWidget) -> bool:
    """Visible now, and not inside a scroll area (which scrolls it into view)."""
    from PySide6.QtWidgets import QAbstractScrollArea

    if not w.isVisible():
        return False
    p = w.parentWidget()
    while p is not None and not p.isWindow():
        if isinstance(p, QAbstractScrollArea):
            return False
        p = p.parentWidget()
    return True


def _settle(session, app) -> None:
    session.taskman.wait_idle(20_000)
    for _ in range(5):
        app.processEvents()


def _tiny_pdf(path: Path) -> Path:
    from PySide6.QtGui import QPageSize, QPainter, QPdfWriter

    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    p = QPainter(writer)
    p.drawText(100, 100, "处理表")
    p.end()
    return path


def main(data_dir: str) -> int:
    from complaints.rules.permissions import ROLES
    from complaints.types import Action
    from complaints.usecases import demo, site
    from complaints.usecases.context import CHINA_TZ, Context
    from db.database import open_database
    from db.models import database
    from desktop.paths import DataPaths
    from ui.session import Session
    from ui.taskman import TaskManager

    ui.pin_singletons()
    app = QApplication.instance() or QApplication([])
    from ui import window_fit

    if "--no-fit" not in sys.argv:
        window_fit.install(app)
    else:  # the sizes the windows had before issue 17 §2
        window_fit.initial_size = lambda w, width, height: w.resize(width, height)
    screen = app.primaryScreen().availableGeometry()
    paths = DataPaths(Path(data_dir))
    open_database(paths.database, backup_dir=paths.backups)
    site.init_site("SH01", "上海浦东店", now=NOW)
    ctx = Context(
        site="SH01",
        actor="测试员",
        clock=lambda: NOW,
        roles=frozenset(ROLES),
        department="客服部",
        tz=CHINA_TZ,
    )
    demo.load_demo(ctx, 40, seed=3)
    taskman = TaskManager(
        thread_start=lambda: database.connect(reuse_if_open=True), thread_stop=database.close
    )
    settings = QSettings(str(Path(data_dir) / "ui.ini"), QSettings.Format.IniFormat)
    session = Session(paths, taskman, ui_settings=settings, clock=lambda: NOW)
    session.set_user(ctx)
    problems: list[str] = []
    sideways: list[str] = []  # forms of the main window that scroll sideways
    opened: list[str] = []

    def check(name: str, w: QWidget) -> None:
        w.show()
        _settle(session, app)
        opened.append(name)
        problems.extend(_problems(name, w, screen))

    from ui.main_window import MainWindow

    main_window = MainWindow(session, settings=settings)
    main_window.show()
    _settle(session, app)
    for key in main_window.page_keys():
        page = main_window.show_page(key)
        _settle(session, app)
        tabs = page.findChildren(__import__("PySide6.QtWidgets").QtWidgets.QTabWidget)
        for t in tabs:
            for i in range(t.count()):
                t.setCurrentIndex(i)
                _settle(session, app)
                problems.extend(_problems(f"主窗口/{key}/{t.tabText(i)}", main_window, screen))
                sideways.extend(_sideways(f"主窗口/{key}/{t.tabText(i)}", main_window))
        problems.extend(_problems(f"主窗口/{key}", main_window, screen))
        sideways.extend(_sideways(f"主窗口/{key}", main_window))
        opened.append(f"主窗口/{key}")

    from complaints.usecases import cases as case_uc
    from ui.case_window import open_case_window

    case_id = case_uc.list_case_ids()[0] if hasattr(case_uc, "list_case_ids") else None
    if case_id is None:
        from db.models import Case

        case_id = Case.select(Case.id).order_by(Case.id).first().id
    for cid, label in ((None, "新投诉单"), (case_id, "投诉单")):
        w = open_case_window(session, cid, main_window)
        _settle(session, app)
        tabs = w.editor.tabs
        for i in range(tabs.count()):
            if not tabs.isTabEnabled(i):
                continue
            tabs.setCurrentIndex(i)
            _settle(session, app)
            problems.extend(_problems(f"{label}/{tabs.tabText(i)}", w, screen))
        opened.append(label)
        w.editor._dirty = False
        w.close()

    from ui.print_preview import PrintPreviewDialog

    pdf = _tiny_pdf(Path(data_dir) / "probe.pdf")
    check("打印预览", PrintPreviewDialog(pdf, None, main_window))

    from ui.action_dialog import ActionDialog

    for action in Action:
        try:
            d = ActionDialog(
                action,
                number="SH01-202611-0001",
                now=NOW,
                tz=CHINA_TZ,
                received_at=NOW,
                departments=["售后服务部", "销售部"],
                people=["张三"],
                parent=main_window,
            )
        except Exception as e:
            print(f"# no dialog for {action}: {e}", file=sys.stderr)
            continue
        check(f"操作/{action.value}", d)
        d.close()

    from ui.sanction_dialogs import ApproveDialog, ManualDialog, RejectDialog

    row = {
        "uid": "x",
        "case_number": "SH01-202611-0001",
        "rule": "S1",
        "type": "罚款",
        "department": "售后服务部",
        "person": "张三",
        "amount": 200,
        "amount_min": 100,
        "amount_max": 500,
        "reason": "超时未联系客户",
        "date": NOW.date(),
    }
    for name, d in (
        ("批准", ApproveDialog(row, main_window)),
        ("驳回", RejectDialog(row, main_window)),
        ("新增奖惩", ManualDialog(["售后服务部"], main_window)),
    ):
        check(f"奖惩/{name}", d)
        d.close()

    from ui.users_page import UserDialog

    check("用户", UserDialog(["售后服务部"], None, main_window))

    from ui.about import AboutDialog

    check("关于", AboutDialog(session, main_window))

    from ui.first_run import FirstRunDialog

    check("首次启动", FirstRunDialog(demo_available=True))

    from ui.sign_in import ChangePasswordDialog, SignInDialog

    check("登录", SignInDialog(session, main_window))
    check("修改密码", ChangePasswordDialog(session, ctx, main_window))

    from ui.stats_dialogs import CasesDialog

    check("统计/明细", CasesDialog(session, "本月投诉", [case_id], main_window))

    for extra in _extra_windows(session, main_window):
        check(*extra)

    for w in app.topLevelWidgets():
        if isinstance(w, QDialog) and w.isVisible():
            w.close()
    main_window.close()
    taskman.shutdown()
    print(
        json.dumps(
            {
                "screen": screen.getRect(),
                "opened": opened,
                "problems": problems,
                "sideways": sideways,
            },
            ensure_ascii=False,
        )
    )
    return 0


def _extra_windows(session, parent) -> list[tuple[str, QWidget]]:
    """Windows added later (first-run people, help): each module names its own."""
    out: list[tuple[str, QWidget]] = []
    try:
        from ui.first_run import PeopleDialog

        out.append(("首次启动/人员", PeopleDialog(session, ["售后服务部", "销售部"], parent)))
    except ImportError:
        pass
    try:
        from ui.help import HelpWindow

        out.append(("帮助", HelpWindow("cases", parent)))
    except ImportError:
        pass
    return out


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        args = [a for a in sys.argv[1:] if not a.startswith("--")]
        sys.exit(main(args[0] if args else tmp))

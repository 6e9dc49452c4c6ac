"""Every page and the main dialogs at one Windows display scale, offscreen: a screenshot of
each, and every piece of text that does not fit the room it was given.

    QT_SCALE_FACTOR=1.5 QT_QPA_PLATFORM=offscreen python tests/windows/hidpi_check.py OUT_DIR

Run by tests/windows/test_hidpi.py (QT_SCALE_FACTOR must be set before the QApplication, so
one process per scale). The window is sized like a maximised window on a 1920×1080 laptop
at that scale (less a 40-pixel taskbar), as Windows gives it. A text is clipped when its
widget is narrower or lower than its size hint says the text needs (a word-wrapped label:
lower than its height for that width). Writes OUT_DIR/report.json:
{"scale": …, "shots": [png…], "clipped": [{"where", "class", "name", "text", "size", "hint"}],
"icons": {page: {"sizes", "pixmap"}}, "not_checked": [{"where", "error"}]}.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def _text_of(w) -> str:
    from PySide6.QtWidgets import QAbstractButton, QLabel

    if isinstance(w, QLabel):
        return w.text() if w.pixmap() is None or w.pixmap().isNull() else ""
    if isinstance(w, QAbstractButton):
        return w.text()
    return ""


def clipped_texts(where: str, top) -> list[dict]:
    """Every visible label, push button, check box and radio button under ``top`` whose
    text does not fit its geometry."""
    from PySide6.QtWidgets import QCheckBox, QLabel, QPushButton, QRadioButton, QWidget

    found = []
    for w in top.findChildren(QWidget):
        if not isinstance(w, QLabel | QPushButton | QCheckBox | QRadioButton):
            continue
        text = _text_of(w)
        if not w.isVisibleTo(top) or not text.strip():
            continue
        size, hint = w.size(), w.sizeHint()
        need_w, need_h = hint.width(), hint.height()
        if isinstance(w, QLabel) and w.wordWrap():
            need_w, need_h = 0, w.heightForWidth(size.width())
        elif isinstance(w, QPushButton):
            # a push button's size hint is at least ~80 pixels wide whatever its text (the
            # style's minimum): what must fit is the text (and icon) with a little padding
            need_w = w.fontMetrics().horizontalAdvance(text.replace("&", "")) + 8
            if not w.icon().isNull():
                need_w += w.iconSize().width() + 4
        if size.width() + 1 < need_w or size.height() + 1 < need_h:
            found.append(
                {
                    "where": where,
                    "class": type(w).__name__,
                    "name": w.objectName(),
                    "text": text[:80],
                    "size": [size.width(), size.height()],
                    "hint": [need_w, need_h],
                }
            )
    return found


def main(out: Path) -> int:
    scale = float(os.environ.get("QT_SCALE_FACTOR", "1"))
    out.mkdir(parents=True, exist_ok=True)
    data = Path(tempfile.mkdtemp(prefix="complaintdesk-hidpi-"))

    from desktop import cli

    assert (
        cli.main(["--data-dir", str(data), "init", "--site", "SH01", "--name", "上海浦东店"]) == 0
    )
    assert cli.main(["--data-dir", str(data), "demo", "--cases", "80"]) == 0

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication, QWidget

    from ui import pin_singletons

    pin_singletons()
    app = QApplication(sys.argv[:1])
    from ui.fonts import prefer_cjk_font

    prefer_cjk_font(app)

    from complaints.rules.permissions import ROLES
    from complaints.usecases.context import Context
    from db.database import open_database
    from db.models import database
    from desktop.paths import data_paths
    from ui.main_window import MainWindow
    from ui.page_registry import PAGES, RESTRICTED_PAGES
    from ui.session import Session
    from ui.taskman import TaskManager

    paths = data_paths(data)
    open_database(paths.database, backup_dir=paths.backups)
    taskman = TaskManager(
        thread_start=lambda: database.connect(reuse_if_open=True), thread_stop=database.close
    )
    settings = QSettings(str(data / "ui.ini"), QSettings.Format.IniFormat)
    session = Session(paths, taskman, ui_settings=settings)
    ctx = Context(
        site="SH01",
        actor="测试员",
        roles=frozenset(ROLES),
        department="客服部",
        clock=lambda: datetime.now(UTC),
    )
    session.set_user(ctx)

    # a maximised window on a 1920×1080 screen at this scale, less the taskbar
    width, height = round(1920 / scale), round((1080 - 40) / scale)
    clipped: list[dict] = []
    shots: list[str] = []
    not_checked: list[dict] = []

    def settle() -> None:
        for _ in range(3):
            taskman.wait_idle()
            app.processEvents()

    def shoot(where: str, top: QWidget) -> None:
        name = f"{where}@{scale:g}x.png"
        top.grab().save(str(out / name))
        shots.append(name)

    window = MainWindow(session, settings=settings)
    window.resize(width, height)
    window.show()
    settle()
    for key, _title, _target in list(PAGES) + list(RESTRICTED_PAGES):
        try:
            window.show_page(key)
            settle()
            window.resize(width, height)
            app.processEvents()
            clipped.extend(clipped_texts(f"page-{key}", window))
            shoot(f"page-{key}", window)
        except Exception:
            not_checked.append({"where": f"page-{key}", "error": traceback.format_exc(limit=3)})

    def dialogs():
        from complaints.types import Action
        from complaints.usecases import sanctions
        from ui.about import AboutDialog
        from ui.action_dialog import ActionDialog
        from ui.case_window import CaseWindow
        from ui.first_run import FirstRunDialog
        from ui.sanction_dialogs import ApproveDialog, ManualDialog, RejectDialog
        from ui.sign_in import ChangePasswordDialog, FirstAdminDialog, SignInDialog
        from ui.stats_dialogs import VolumeDialog
        from ui.users_page import UserDialog

        now = datetime.now(UTC)
        yield "first-run", lambda: FirstRunDialog(demo_available=True)
        yield "sign-in", lambda: SignInDialog(session)
        yield "first-admin", lambda: FirstAdminDialog(session)
        yield "change-password", lambda: ChangePasswordDialog(session, ctx, forced=True)
        yield "about", lambda: AboutDialog(session)
        yield "user", lambda: UserDialog(["客服部", "售后服务部"])
        yield "volumes", lambda: VolumeDialog(session, ["2026-11", "2026-12"], ["SH01"], "SH01")
        for action in (Action.DISPATCH, Action.CONTACT, Action.CALLBACK, Action.CLOSE):
            yield (
                f"action-{action.name.lower()}",
                lambda a=action: ActionDialog(
                    a,
                    number="SH01-202611-0001",
                    now=now,
                    tz=ctx.tz,
                    departments=["售后服务部", "销售部"],
                    people=["张三", "李四"],
                ),
            )
        rows = sanctions.list_sanctions()
        if rows:
            yield "sanction-approve", lambda: ApproveDialog(rows[0])
            yield "sanction-reject", lambda: RejectDialog(rows[0])
        yield "sanction-manual", lambda: ManualDialog(["售后服务部", "销售部"])
        yield "case-window", lambda: CaseWindow(session, 1)
        yield "case-window-new", lambda: CaseWindow(session, None)

    for where, make in dialogs():
        try:
            dlg = make()
            dlg.show()
            settle()
            clipped.extend(clipped_texts(f"dialog-{where}", dlg))
            shoot(f"dialog-{where}", dlg)
            dlg.close()
            dlg.deleteLater()
        except Exception:
            not_checked.append({"where": f"dialog-{where}", "error": traceback.format_exc(limit=3)})
    # the navigation icons as this screen draws them: QIcon loads a @2x file beside the 1x
    # one when the screen's ratio rounds up to 2 (125 % and 150 % do), and scales it down
    from PySide6.QtCore import QSize

    from ui.page_registry import nav_icon

    icons = {}
    for key, _title, _target in list(PAGES) + list(RESTRICTED_PAGES):
        icon = nav_icon(key)
        pix = icon.pixmap(QSize(20, 20), app.devicePixelRatio())
        icons[key] = {
            "sizes": [[z.width(), z.height()] for z in icon.availableSizes()],
            "pixmap": [pix.width(), pix.height()],
        }
    settle()
    window.close()
    taskman.shutdown()
    (out / "report.json").write_text(
        json.dumps(
            {
                "scale": scale,
                "window": [width, height],
                "shots": shots,
                "clipped": clipped,
                "icons": icons,
                "not_checked": not_checked,
            },
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))

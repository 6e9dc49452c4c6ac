"""Make the screenshots of the manual (ui/resources/help/img) from demo data, so they show
the program as it is:

    python -m desktop.help_screenshots [OUT_DIR]

Runs offscreen in a temporary data folder (300 demo cases); nothing of the user's is read
or written."""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

OUT = Path(__file__).with_name("resources") / "help" / "img"
SIZE = (1280, 780)


def make(out: Path = OUT) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import ui

    ui.pin_singletons()
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from complaints.rules.permissions import ROLES
    from complaints.usecases import demo, site
    from complaints.usecases.context import Context
    from db.database import close_database, open_database
    from db.models import database
    from desktop.paths import DataPaths
    from ui.fonts import prefer_cjk_font
    from ui.session import Session
    from ui.taskman import TaskManager

    app = QApplication.instance() or QApplication([])
    prefer_cjk_font(app)
    out.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="complaintdesk-help-") as tmp:
        paths = DataPaths(Path(tmp))
        open_database(paths.database, backup_dir=paths.backups)
        now = datetime.now(UTC)
        site.init_site("SH01", "上海浦东店", now=now)
        ctx = Context(
            site="SH01",
            actor="王丽",
            roles=frozenset(ROLES),
            department="客服部",
            tz=site.context_for("x").tz,
        )
        demo.load_demo(ctx, 300, seed=7)

        def thread_start() -> None:
            database.connect(reuse_if_open=True)

        def thread_stop() -> None:
            database.close()

        taskman = TaskManager(thread_start=thread_start, thread_stop=thread_stop)
        session = Session(
            paths,
            taskman,
            ui_settings=QSettings(str(Path(tmp) / "ui.ini"), QSettings.Format.IniFormat),
        )
        session.set_user(ctx)

        def settle() -> None:
            taskman.wait_idle(30_000)
            for _ in range(5):
                app.processEvents()

        def shot(widget, name: str) -> None:
            settle()
            path = out / f"{name}.png"
            widget.grab().save(str(path))
            made.append(path)

        from ui.main_window import MainWindow

        w = MainWindow(session)
        w.resize(*SIZE)
        w.show()
        for key in ("todo", "sanctions", "cases"):
            w.show_page(key)
            shot(w, key)
        from complaints.query import CaseFilter, Sort
        from complaints.types import State
        from complaints.usecases import cases
        from ui.case_window import open_case_window

        open_states = frozenset(s.value for s in State if s is not State.CLOSED)
        case_id = cases.case_ids(
            CaseFilter(states=open_states), Sort("number", descending=True), limit=1
        )[0]
        cw = open_case_window(session, case_id, w)
        cw.resize(*SIZE)
        shot(cw, "case")
        cw.editor.tabs.setCurrentIndex(1)
        shot(cw, "workflow")
        cw.close()
        w.close()
        taskman.shutdown()
        close_database()
    return made


if __name__ == "__main__":
    for p in make(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT):
        print(p)

"""The start paints the main window, with the case list's first rows, before peewee is
imported (issue 2 §8); the database opens fully right after. Each start runs in its own
process: this one imported peewee long ago."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop import cli

ROOT = Path(__file__).resolve().parents[2]

# Notes, at the main window's first paint, whether peewee is imported and how many rows the
# case list holds; then lets the start go on (the full open) and reports whether peewee's
# database is open afterwards.
WATCH = r"""
import gc, sys
from PySide6.QtCore import QEvent, QObject
import desktop.app as app_module

def watch(window):
    class Watch(QObject):
        def eventFilter(self, obj, ev):
            if obj is window and ev.type() == QEvent.Type.Paint and not getattr(self, "seen", 0):
                self.seen = 1
                rows = window.page("cases").model.rowCount()
                print(f"AT-PAINT gc={gc.isenabled()} peewee={'peewee' in sys.modules} "
                      f"rows={rows}", flush=True)
            return False
    w = Watch(window)
    window.installEventFilter(w)
    return w

def report_open():
    from db.models import database
    print(f"AFTER open={not database.is_closed()} gc={gc.isenabled()}", flush=True)
"""

SMOKE = (
    WATCH
    + r"""
real_smoke = app_module._smoke
def smoke(app, window, after_paint=None):
    keep = watch(window)
    def after():
        after_paint()
        report_open()
    return real_smoke(app, window, after_paint=after)
app_module._smoke = smoke
from desktop.cli import main
sys.exit(main(sys.argv[1:]))
"""
)

REMEMBERED = (
    WATCH
    + r"""
import argparse
from pathlib import Path
real_after = app_module.after_first_paint
def after_first_paint(window, fn, **kwargs):
    keep = watch(window)
    def after():
        fn()
        report_open()
        window.close()
    real_after(window, after, **kwargs)
app_module.after_first_paint = after_first_paint
app_module._font_box = lambda message: None
app_module.WARMUP_DELAY_MS = 60_000
rc = app_module.run_gui(argparse.Namespace(data_dir=Path(sys.argv[1]), smoke=False))
print(f"RC {rc}", flush=True)
sys.exit(rc)
"""
)


def _run(script: str, *args: str, home: Path) -> list[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(home / "config"))
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return [line for line in done.stdout.splitlines() if line.startswith(("AT-", "AFTER", "RC"))]


@pytest.fixture
def demo_folder(tmp_path):
    data = tmp_path / "data"
    assert cli.main(["--data-dir", str(data), "demo", "--cases", "40"]) == 0
    return data


def test_smoke_paints_rows_before_peewee_then_opens_the_database(tmp_path, demo_folder):
    lines = _run(SMOKE, "--data-dir", str(demo_folder), "--smoke", home=tmp_path)
    assert lines[0].startswith("AT-PAINT gc=False peewee=False rows=")
    assert int(lines[0].rsplit("=", 1)[1]) > 0
    assert lines[1] == "AFTER open=True gc=True"


@pytest.fixture
def remembered_folder(demo_folder):
    """The demo folder with an administrator this PC remembers (no sign-in dialog)."""
    from complaints.usecases import settings, users
    from db.database import close_database, open_database

    open_database(demo_folder / "complaintdesk.sqlite3")
    try:
        users.create_first_admin(
            "gm", "总经理甲", "m3P66tA3bt", now=datetime(2026, 11, 20, 1, 30, tzinfo=UTC)
        )
        settings.set_("auth.allow_remember", True)
        settings.set_("auth.remembered_login", "gm")
    finally:
        close_database()
    return demo_folder


def test_remembered_person_starts_like_the_smoke(tmp_path, remembered_folder):
    lines = _run(REMEMBERED, str(remembered_folder), home=tmp_path)
    assert lines[0].startswith("AT-PAINT gc=False peewee=False rows=")
    assert int(lines[0].rsplit("=", 1)[1]) > 0
    assert lines[1:] == ["AFTER open=True gc=True", "RC 0"]


def test_a_database_to_migrate_opens_fully_before_the_window(tmp_path):
    """The schema-1 fixture: migrated (with a backup) before anything is shown."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(ROOT / "tests" / "fixtures" / "schema1", data)
    lines = _run(SMOKE, "--data-dir", str(data), "--smoke", home=tmp_path)
    assert lines[0].startswith("AT-PAINT gc=False peewee=True")
    assert lines[1] == "AFTER open=True gc=True"
    assert any((data / "backups").rglob("*.sqlite3"))


def test_another_start_page_opens_after_the_full_open(tmp_path, remembered_folder):
    """Only the case list builds from the read-only connection: a person who left the app
    on 待办 gets the database fully open first (and the page works)."""
    from desktop import APP_NAME

    conf = tmp_path / "config" / "ComplaintDesk" / f"{APP_NAME}.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text("[main]\npage=todo\n", encoding="utf-8")
    lines = _run(
        REMEMBERED.replace('window.page("cases").model.rowCount()', "window.current_page_key()"),
        str(remembered_folder),
        home=tmp_path,
    )
    assert lines == ["AT-PAINT gc=False peewee=True rows=todo", "AFTER open=True gc=True", "RC 0"]


def test_a_database_that_fails_to_open_after_the_paint_stops_the_start(
    qapp, tmp_path, demo_folder, monkeypatch, capsys
):
    """The window painted from the read-only connection, then the full open fails (say, the
    file cannot be written): the reason is printed and the start ends with status 2, instead
    of a window whose worker never starts."""
    import sqlite3

    import db.database
    from desktop import app
    from desktop.paths import data_paths

    def refuse(*args, **kwargs):
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(db.database, "open_database", refuse)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert app._run(qapp, data_paths(demo_folder), smoke=True) == 2
    err = capsys.readouterr().err
    assert "无法打开数据文件夹" in err and "readonly database" in err

"""The start opens the database fully (migrating it if it must) before any window, then
paints the main window with the case list's first rows; a database that cannot be opened
(newer than this program, not ours, read-only) ends the start with a clear message before
any window. Each start runs in its own process, as a person starts the program."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop import cli

ROOT = Path(__file__).resolve().parents[2]

# Notes, at the main window's first paint, whether the database is open and how many rows
# the case list holds (or, with PAGE, which page shows).
WATCH = r"""
import gc, sys
from PySide6.QtCore import QEvent, QObject
import desktop.app as app_module
from ui import gc_thread
def collecting():
    # cycles collected again after the start: on the GUI thread only (ui/gc_thread.py)
    return gc_thread.running() is not None and not gc.isenabled()

def watch(window):
    class Watch(QObject):
        def eventFilter(self, obj, ev):
            if obj is window and ev.type() == QEvent.Type.Paint and not getattr(self, "seen", 0):
                self.seen = 1
                from db.models import database
                rows = window.page("cases").model.rowCount()
                print(f"AT-PAINT open={not database.is_closed()} rows={rows}", flush=True)
            return False
    w = Watch(window)
    window.installEventFilter(w)
    return w
"""

SMOKE = (
    WATCH
    + r"""
real_smoke = app_module._smoke
def smoke(app, window, after_paint=None):
    keep = watch(window)
    def after():
        after_paint()
        print(f"AFTER gc={collecting()}", flush=True)
    return real_smoke(app, window, after_paint=after)
app_module._smoke = smoke
from desktop.cli import main
rc = main(sys.argv[1:])
print(f"RC {rc}", flush=True)
sys.exit(0)
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
        print(f"AFTER gc={collecting()}", flush=True)
        window.close()
    real_after(window, after, **kwargs)
app_module.after_first_paint = after_first_paint
app_module.font_box = lambda message: None
import desktop.after_start
desktop.after_start.WARMUP_DELAY_MS = 60_000
rc = app_module.run_gui(argparse.Namespace(data_dir=Path(sys.argv[1]), smoke=False))
print(f"RC {rc}", flush=True)
sys.exit(0)
"""
)


def _run(script: str, *args: str, home: Path) -> tuple[list[str], str]:
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
    lines = [line for line in done.stdout.splitlines() if line.startswith(("AT-", "AFTER", "RC"))]
    return lines, done.stderr


@pytest.fixture
def demo_folder(tmp_path):
    data = tmp_path / "data"
    assert cli.main(["--data-dir", str(data), "demo", "--cases", "40"]) == 0
    return data


def _rows(line: str) -> int:
    return int(line.rsplit("=", 1)[1])


def test_smoke_paints_the_case_list_with_its_rows_from_the_open_database(tmp_path, demo_folder):
    lines, _err = _run(SMOKE, "--data-dir", str(demo_folder), "--smoke", home=tmp_path)
    assert lines[0].startswith("AT-PAINT open=True rows=")
    assert _rows(lines[0]) > 0
    assert lines[1:] == ["AFTER gc=True", "RC 0"]


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
    lines, _err = _run(REMEMBERED, str(remembered_folder), home=tmp_path)
    assert lines[0].startswith("AT-PAINT open=True rows=")
    assert _rows(lines[0]) > 0
    assert lines[1:] == ["AFTER gc=True", "RC 0"]


def test_a_database_to_migrate_is_migrated_before_the_window(tmp_path):
    """The schema-1 fixture: migrated (with a backup) before anything is shown."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "tests" / "fixtures" / "schema1", data)
    lines, _err = _run(SMOKE, "--data-dir", str(data), "--smoke", home=tmp_path)
    assert lines[0].startswith("AT-PAINT open=True")
    assert lines[1:] == ["AFTER gc=True", "RC 0"]
    assert any((data / "backups").rglob("*.sqlite3"))


def test_another_start_page_opens_as_left(tmp_path, remembered_folder):
    """A person who left the app on 待办 finds it there again."""
    from desktop import APP_NAME

    conf = tmp_path / "config" / "ComplaintDesk" / f"{APP_NAME}.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text("[main]\npage=todo\n", encoding="utf-8")
    lines, _err = _run(
        REMEMBERED.replace('window.page("cases").model.rowCount()', "window.current_page_key()"),
        str(remembered_folder),
        home=tmp_path,
    )
    assert lines == ["AT-PAINT open=True rows=todo", "AFTER gc=True", "RC 0"]


def _newer(folder: Path) -> None:
    with sqlite3.connect(folder / "complaintdesk.sqlite3") as conn:
        conn.execute(
            "INSERT INTO schema_version (version, applied_at, description, app_version) "
            "VALUES (999, '2030-01-01T00:00:00+00:00', 'from the future', '99.0')"
        )


def _foreign(folder: Path) -> None:
    path = folder / "complaintdesk.sqlite3"
    for side in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        side.unlink(missing_ok=True)
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")


@pytest.mark.parametrize(
    ("spoil", "says"),
    [(_newer, "999"), (_foreign, "schema_version")],
    ids=["newer than this program", "not ours"],
)
def test_a_database_that_cannot_open_says_why_before_any_window(tmp_path, demo_folder, spoil, says):
    spoil(demo_folder)
    before = (demo_folder / "complaintdesk.sqlite3").read_bytes()
    lines, err = _run(SMOKE, "--data-dir", str(demo_folder), "--smoke", home=tmp_path)
    assert lines == ["RC 2"]  # no window painted
    assert "无法打开数据文件夹" in err and says in err
    assert (demo_folder / "complaintdesk.sqlite3").read_bytes() == before  # nothing written


def test_a_database_that_fails_to_open_stops_the_start(
    qapp, tmp_path, demo_folder, monkeypatch, capsys
):
    """The open fails (say, the file cannot be written): the reason is printed and the start
    ends with status 2, before any window."""
    from desktop import app
    from desktop.paths import data_paths

    def refuse(*args, **kwargs):
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(app, "open_database", refuse)
    monkeypatch.setattr(app, "MainWindow", lambda session: pytest.fail("a window was built"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert app._run(qapp, data_paths(demo_folder), smoke=True) == 2
    err = capsys.readouterr().err
    assert "无法打开数据文件夹" in err and "readonly database" in err

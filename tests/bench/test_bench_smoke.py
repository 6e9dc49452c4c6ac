"""Every script in bench/ runs to the end on a tiny database (issue 23 §6): a rename in the
code a bench calls (``TodoModel.set_items`` → ``set_rows``) breaks this test, not the next
person's measurement. Nothing here is timed; the scripts' figures are not looked at."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
CASES = "60"

pytestmark = pytest.mark.slow


def _run(args: list[str], tmp: Path, timeout: int = 600) -> str:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        XDG_CONFIG_HOME=str(tmp / "config"),
        XDG_DATA_HOME=str(tmp / "xdg-data"),
        BENCH_DATA_DIR=str(tmp / "default"),
    )
    proc = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert proc.returncode == 0, (
        f"{' '.join(args)} exited {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    )
    return proc.stdout


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    """A bench database of 60 demo cases with its audit log, built once by the bench's own
    builder (which the second call reuses)."""
    tmp = tmp_path_factory.mktemp("bench")
    folder = tmp / "db"
    _run([str(BENCH / "build_bench_db.py"), "--cases", CASES, "--dir", str(folder), "--quiet"], tmp)
    assert "reusing" in _run(
        [str(BENCH / "build_bench_db.py"), "--cases", CASES, "--dir", str(folder)], tmp
    )
    return folder


@pytest.fixture
def copy(tiny, tmp_path) -> Path:
    """A copy of the tiny database for a script that writes."""
    dst = tmp_path / "copy"
    shutil.copytree(tiny, dst)
    return dst


def _fake_bundle(tmp: Path) -> Path:
    """A stand-in for the PyInstaller bundle: runs ``python -m desktop`` from this checkout."""
    prog = tmp / "bundle" / "complaintdesk" / "complaintdesk"
    prog.parent.mkdir(parents=True)
    prog.write_text(f'#!/bin/sh\nPYTHONPATH="{ROOT}" exec "{sys.executable}" -m desktop "$@"\n')
    prog.chmod(prog.stat().st_mode | stat.S_IXUSR)
    return prog


# script → how to run it small ({db}: a copy of the tiny data folder, {tmp}: a temp folder)
SMALL: dict[str, list[str]] = {
    "build_bench_db.py": [],  # the fixture runs it
    "bench_demo.py": ["--cases", CASES, "--dir", "{tmp}/demo", "--fts-share"],
    "bench_queries.py": ["--dir", "{db}"],
    "bench_hq.py": [
        "--dir",
        "{db}",
        "--runs",
        "1",
        "--writes",
        "--sample",
        "5",
        "--work",
        "{tmp}/work",
    ],
    "bench_todo.py": ["--db", "{db}/complaintdesk.sqlite3", "--cases", CASES, "--runs", "1"],
    "bench_stats.py": ["--data-dir", "{db}", "--runs", "1"],
    "bench_forms.py": ["--cases", "30", "--notices", "3", "--dir", "{tmp}/forms"],
    "bench_scan.py": ["--pages", "3", "--dir", "{tmp}/scan"],
    "bench_ledger.py": [
        "--dir",
        "{db}",
        "--work",
        "{tmp}/ledger",
        "--only",
        "export,floor-write,import,floor-import,floor-import-fts",
    ],
    "bench_rss.py": ["--dir", "{db}", "--runs", "1"],
    "bench_start.py": ["--dir", "{db}", "--runs", "1"],
    "bench_bundle.py": ["--prog", "{prog}", "--runs", "1", "--cases", "20", "--no-big"],
    "bench_write_lock.py": ["--updates", "5", "--rounds", "1"],
    "bench_seats.py": ["--clients", "2", "--cases", "40", "--seconds", "2"],
    "bench_journal.py": ["--number", "100"],
    "bench_engines.py": ["--cases", CASES, "--runs", "1", "--work", "{tmp}/engines"],
    "bench_server_search.py": ["{db}/complaintdesk.sqlite3", "--analyze", "--runs", "1"],
    "bench_migrate_to.py": ["{db}"],
    "bench_server_backup.py": ["{db}/complaintdesk.sqlite3", "--work", "{tmp}/backup"],
    "bench_maintenance.py": ["--dir", "{db}", "--work", "{tmp}/maint"],
    "bench_officetime.py": ["--cases", CASES, "--runs", "1"],
    "bench_ledger_memory.py": [
        "--work",
        "{tmp}/memory",
        "--rejects",
        "50",
        "--cases",
        CASES,
        "--entries",
        "200",
    ],
    "check_deadlines_equiv.py": [
        "--db",
        "{db}/complaintdesk.sqlite3",
        "--out",
        "{tmp}/dl.pkl",
        "--save",
    ],
}


def test_every_bench_script_has_a_small_run():
    scripts = {p.name for p in BENCH.glob("*.py") if not p.name.startswith("_")}
    assert scripts == set(SMALL), "give each bench script a small run in SMALL"


@pytest.mark.parametrize("script", sorted(s for s, args in SMALL.items() if args))
def test_bench_script_runs_small(script, copy, tmp_path):
    fill = {
        "db": str(copy),
        "tmp": str(tmp_path),
        "prog": str(_fake_bundle(tmp_path)) if script == "bench_bundle.py" else "",
    }
    args = [a.format(**fill) for a in SMALL[script]]
    _run([str(BENCH / script), *args], tmp_path)
    if script == "check_deadlines_equiv.py":  # and the comparison against what it saved
        _run([str(BENCH / script), *[a for a in args if a != "--save"]], tmp_path)

"""Two writers wait for each other (issue 15 §4): a write transaction takes the write lock
at its start and waits its turn, however long the other writer holds it; the person is told
when the wait is long; nothing is lost.

The other writer is a real second process. The steps are sequenced with files (the holder
says it holds the lock; the test says when to let go), never with sleeps."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from complaints.rules.permissions import ROLES
from complaints.usecases import cases, proposals, site, users
from complaints.usecases import sanctions as S
from complaints.usecases.context import Context
from db.database import close_database, open_database
from desktop.cli import main
from desktop.paths import data_paths
from tests.conftest import FIXED_NOW

GM_PASSWORD = "Xu-zhenbang-7391"
ROOT = Path(__file__).resolve().parents[2]

# Holds the write lock (like a ledger import in progress) until the file `release` exists.
HOLDER = textwrap.dedent("""
    import os, sqlite3, sys, time
    db, held, release = sys.argv[1:4]
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('test.holder', '1')")
    open(held, "w").close()
    while not os.path.exists(release):
        time.sleep(0.02)
    conn.execute("COMMIT")
""")


def _wait_for(path: Path, proc: subprocess.Popen) -> None:
    """Until ``path`` exists (the other process's signal), or that process has ended."""
    done = threading.Event()
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"the helper ended early: {proc.communicate()}")
        done.wait(0.02)


@pytest.fixture
def pending_sanction(tmp_path):
    root = tmp_path / "data"
    paths = data_paths(root)
    open_database(paths.database, backup_dir=paths.backups)
    site.init_site("SH01", "上海浦东店", now=FIXED_NOW)
    cx = Context(site="SH01", actor="客服小王", clock=lambda: FIXED_NOW, roles=frozenset(ROLES))
    v = cases.blank_case(cx)
    v.update(
        customer_name="张伟",
        content="异响",
        department="车间",
        responsible="张海涛",
        received_at=FIXED_NOW - timedelta(hours=1),
    )
    cid = cases.create_case(cx, v).id
    cases.update_case(cx, cid, {"liability": "有责"})
    proposals.sync_proposals(cx, cid)
    uid = next(s["uid"] for s in S.list_sanctions() if s["rule"] == "S1")
    for login, name, role in (("admin", "张管理", "管理员"), ("gm", "许振邦", "总经理")):
        users.add_user(cx, login, name, [role], GM_PASSWORD, must_change_password=False)
    close_database()
    return root, uid


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    env.pop("COMPLAINTDESK_PASSWORD", None)
    return env


def test_approval_waits_for_a_writer_holding_the_lock_and_is_kept(pending_sanction, tmp_path):
    root, uid = pending_sanction
    db = data_paths(root).database
    held, release = tmp_path / "held", tmp_path / "release"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db), str(held), str(release)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(held, holder)
        approve = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "desktop",
                "--data-dir",
                str(root),
                "--user",
                "gm",
                "sanctions",
                "approve",
                uid,
            ],
            cwd=ROOT,
            env={**_env(), "COMPLAINTDESK_PASSWORD": GM_PASSWORD},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # The person is told that the command waits (after ~2 s), and it goes on waiting.
        said = []
        for line in approve.stderr:
            said.append(line)
            if "正在等待另一个程序" in line:
                break
        assert any("正在等待另一个程序" in line for line in said), (said, approve.poll())
        assert approve.poll() is None  # still waiting, not failed
        release.touch()
        out, err = approve.communicate(timeout=120)
        assert approve.returncode == 0, "".join(said) + err
        assert "已批准" in out and "database is locked" not in err
    finally:
        release.touch()
        holder.communicate(timeout=60)
    assert holder.returncode == 0
    conn = sqlite3.connect(db)
    try:  # both writes are there: the holder's and the approval
        assert conn.execute("SELECT value FROM settings WHERE key = 'test.holder'").fetchone() == (
            "1",
        )
        assert conn.execute("SELECT status FROM sanctions WHERE uid = ?", (uid,)).fetchone() == (
            "已批准",
        )
    finally:
        conn.close()


def test_two_demo_runs_at_once_both_succeed(tmp_path):
    data = tmp_path / "data"
    # the same (default) seed: the same record ids planned by both
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "desktop", "--data-dir", str(data), "demo", "--cases", "300"],
            cwd=ROOT,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [p.communicate(timeout=300) for p in runs]
    for p, (out, err) in zip(runs, results, strict=True):
        assert p.returncode == 0, err
        assert "已生成 300 条投诉单" in out
        assert "Traceback" not in err
    conn = sqlite3.connect(data / "complaintdesk.sqlite3")
    try:
        n, distinct, uids = conn.execute(
            "SELECT count(*), count(DISTINCT number), count(DISTINCT uid) FROM cases"
        ).fetchone()
        assert conn.execute("SELECT count(*) FROM sites WHERE is_local").fetchone() == (1,)
    finally:
        conn.close()
    assert n == distinct == uids == 600
    assert main(["--data-dir", str(data), "check"]) == 0


def test_a_write_in_a_transaction_is_begun_immediate(db_path):
    """The rule itself: peewee's transactions start with BEGIN IMMEDIATE (the write lock),
    a read snapshot with a deferred BEGIN."""
    from db.models import database

    seen: list[str] = []
    conn = database.connection()
    conn.set_trace_callback(seen.append)
    try:
        with database.atomic():
            database.execute_sql("SELECT 1")
        with database.read_snapshot():
            database.execute_sql("SELECT 1")
    finally:
        conn.set_trace_callback(None)
    begins = [s for s in seen if s.startswith("BEGIN")]
    assert begins == ["BEGIN IMMEDIATE", "BEGIN DEFERRED"]

"""``init`` of one empty office server from two seats at the same moment: the schema and the
site are made once; the second seat waits for the first, then finds them made and says so
plainly (no half-made schema, no raw error)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg

from db.database import close_database, latest_version, open_server
from db.models import database
from db.server import SCHEMA_LOCK
from tests.complaints.seats import other_seat

ROOT = Path(__file__).resolve().parents[2]
MADE = "已初始化站点 SH01 上海浦东店"
FOUND = (
    "站点 SH01 上海浦东店 刚由另一个座位初始化(数据表已建好),本次未作改动",
    "站点 SH01 上海浦东店 已初始化过,未作改动",
)


def _init(address, data_dir: Path, name: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("COMPLAINTDESK_DATABASE", None)
    return subprocess.Popen(
        [sys.executable, "-m", "desktop", "--data-dir", str(data_dir), "--database",
         str(address), "init", "--site", "SH01", "--name", name],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def waiting_for_the_schema(watcher: psycopg.Connection) -> int:
    """How many sessions wait for the schema's lock now (the server's own view)."""
    return int(
        watcher.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND classid = %s AND objid = %s AND objsubid = 2",
            SCHEMA_LOCK,
        ).fetchone()[0]
    )


def test_two_seats_initialising_one_empty_server_make_it_once(server_address, tmp_path):
    holder = other_seat(server_address)
    holder.autocommit = True
    watcher = other_seat(server_address)
    watcher.autocommit = True
    seats: list[subprocess.Popen[str]] = []
    try:
        # both seats start while a third holds the schema: they meet at its lock, then race
        holder.execute("SELECT pg_advisory_lock(%s, %s)", SCHEMA_LOCK)
        seats = [_init(server_address, tmp_path / f"pc{i}", "上海浦东店") for i in (1, 2)]
        for _ in range(1_000_000):
            if waiting_for_the_schema(watcher) == 2 or any(s.poll() is not None for s in seats):
                break
        assert waiting_for_the_schema(watcher) == 2, [s.communicate() for s in seats]
        holder.execute("SELECT pg_advisory_unlock(%s, %s)", SCHEMA_LOCK)
        outcomes = [s.communicate(timeout=120) for s in seats]
    finally:
        for s in seats:
            if s.poll() is None:
                s.kill()
                s.communicate()
        holder.close()
        watcher.close()
    assert [s.returncode for s in seats] == [0, 0], outcomes
    first, second = sorted((out.splitlines()[0] for out, _err in outcomes), key=MADE.__ne__)
    assert first == MADE, outcomes
    # the second found it made: while the first was registering the site, or after
    assert second in FOUND, outcomes
    assert not any("Traceback" in err or "错误" in err for _out, err in outcomes), outcomes
    open_server(server_address)
    try:  # the whole schema, each step applied once, one site
        versions = [r[0] for r in database.execute_sql("SELECT version FROM schema_version")]
        assert len(versions) == len(set(versions)) and max(versions) == latest_version()
        codes = database.execute_sql(
            "SELECT value FROM settings WHERE key = 'site.code'"
        ).fetchall()
        assert codes == [('"SH01"',)]
    finally:
        close_database()

"""A kill -9 part-way through an import leaves the database exactly as before it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from complaints.usecases import ledger_export
from db.backup import integrity_problems
from db.database import close_database, open_database
from tests.ledger.helpers import new_case, snapshot

ROOT = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from complaints.usecases import ledger_export, ledger_import
    from db.database import open_database
    from tests.ledger.helpers import ctx_for
    open_database(Path({db!r}))
    calls = []

    def progress(done, total, text):
        calls.append(done)
        if done >= 400:  # well inside the file: rows are written, not committed
            print("killing at", done, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)

    ledger_import.apply_import(ctx_for("HQ"), [Path({src!r})], progress=progress,
                          backup_dir=Path({backups!r}), bulk={bulk!r})
    print("finished", flush=True)
""")


@pytest.mark.slow
@pytest.mark.sqlite_only("a child process importing into the SQLite file, killed")
@pytest.mark.parametrize("bulk", [None, True])  # True: plain indexes dropped (db.bulk_load)
def test_kill_9_mid_import_leaves_the_database_as_before(sites, tmp_path, bulk):
    ctx = sites.use("SH01")
    for i in range(300):
        new_case(ctx, customer_name=f"客户{i}")
    src = tmp_path / "big.xlsx"
    ledger_export.export_ledger(ctx, src)  # 300 cases + 300 entries
    hq = sites.use("HQ")
    new_case(hq, customer_name="总部自己的")
    before = snapshot()
    schema = _schema()
    db = sites.path("HQ")
    close_database()
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD.format(
                root=str(ROOT), db=str(db), src=str(src), backups=str(tmp_path / "bk"), bulk=bulk
            ),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,  # killed on purpose: the exit code is the point
    )
    assert child.returncode == -9, child.stdout + child.stderr
    assert "killing at" in child.stdout and "finished" not in child.stdout
    open_database(db)
    assert integrity_problems(db) == []
    assert snapshot() == before
    assert _schema() == schema


def _schema() -> list[tuple]:
    from db.models import database

    return database.execute_sql(
        "SELECT type, name, sql FROM sqlite_master ORDER BY type, name"
    ).fetchall()

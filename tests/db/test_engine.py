"""The engine under peewee (db/engine.py): a full disk inside a transaction is reported as
such (SQLite has already rolled back: no "cannot rollback - no transaction is active"), and
what must outlive a rolled-back transaction is written once it has ended."""

from __future__ import annotations

import pytest

from db.engine import DiskFull
from db.errors import StorageError
from db.models import Setting, database


def test_a_full_disk_in_a_transaction_is_named_and_rolls_back_whole(db_path):
    Setting.insert(key="kept", value='"before"').execute()
    pages = database.execute_sql("PRAGMA page_count").fetchone()[0]
    database.execute_sql(f"PRAGMA max_page_count = {pages + 2}")
    try:
        with pytest.raises(DiskFull) as e, database.atomic():
            Setting.insert(key="small", value='"x"').execute()
            Setting.insert(key="big", value="x" * 100_000).execute()
    finally:
        database.execute_sql("PRAGMA max_page_count = 1073741823")
    assert isinstance(e.value, StorageError)
    assert "磁盘空间已满" in str(e.value) and str(db_path) in str(e.value)
    assert "cannot rollback" not in str(e.value)
    assert not database.in_transaction()
    assert sorted(s.key for s in Setting.select()) == ["kept"]  # all or nothing
    with database.atomic():  # and the database goes on working
        Setting.insert(key="after", value='"y"').execute()
    assert Setting.get_by_id("after").value == '"y"'


def test_after_transaction_runs_after_commit_and_after_rollback(db_path):
    ran = []
    with database.atomic():
        database.after_transaction(lambda: ran.append(("commit", database.in_transaction())))
        assert ran == []
    with pytest.raises(RuntimeError), database.atomic():
        database.after_transaction(lambda: ran.append(("rollback", database.in_transaction())))
        raise RuntimeError("refused")
    database.after_transaction(lambda: ran.append(("none", database.in_transaction())))
    assert ran == [("commit", False), ("rollback", False), ("none", False)]

"""The live full-text document (db.fts) is the one the schema's triggers build: the checks
compare the index with it and a bulk load fills the index with it."""

from db import fts
from db.models import database

_CASES = [
    ("SH01-1", "王芳", "13900001111", "LSVAB2BR5MN123456", "沪A12345", "漆面划痕"),
    ("SH01-2", "李雷", None, None, None, "发动机异响\n两次返修"),
    ("SH01-3", "", "", None, "沪B00001", ""),
]


def _insert(number, name, phone, vin, plate, content):
    database.execute_sql(
        "INSERT INTO cases (uid, site, modified_at, number, received_at, channel, kind, "
        "severity, business, customer_name, phone, vin, plate, content) "
        "VALUES (?, 'SH01', '2026-11-20T01:30:00+00:00', ?, '2026-11-20T01:30:00+00:00', "
        "'电话', '服务', '一般', '售后', ?, ?, ?, ?, ?)",
        (f"uid-{number}-0000", number, name, phone, vin, plate, content),
    )


def _documents(sql):
    return database.execute_sql(sql).fetchall()


def test_live_document_is_the_one_the_triggers_store(db_path):
    for row in _CASES:
        _insert(*row)
    database.execute_sql(
        "UPDATE cases SET phone = NULL, plate = '沪C99999' WHERE number = 'SH01-1'"
    )
    stored = _documents(
        "SELECT c.id, f.doc FROM cases c JOIN cases_fts f ON f.rowid = c.id ORDER BY c.id"
    )
    live = _documents(f"SELECT c.id, {fts.doc_sql('c')} FROM cases c ORDER BY c.id")
    assert len(stored) == len(_CASES)
    assert stored == live


def test_insert_trigger_runs_the_live_statement(db_path):
    for index in fts.TRIGRAM_INDEXES:
        (sql,) = database.execute_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
            (fts.trigram_insert_trigger(index),),
        ).fetchone()
        assert fts.trigram_insert_trigger_row_sql(index) in " ".join(sql.split())

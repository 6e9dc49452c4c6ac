"""The two trigram indexes of schema 25 (the case's: number, VIN, plate and content, in
cases_fts; the customer's: name and phone, in cases_customer_fts) stay right through every
kind of write: after a change of the name and phone (what anonymising does), of the content,
a delete, a bulk load and the migration of a folder at schema 23, FTS5's integrity-check
passes for both, each names exactly the cases whose own columns hold the text (as a plain
LIKE over them finds), and the search's 3+ character route gives the plain LIKE's ids."""

from __future__ import annotations

import pytest

from complaints.query import NEWEST_FIRST, CaseFilter
from complaints.usecases import cases
from db import bulk_load, check, fts, queries
from db.database import close_database, open_database
from db.migrations import m0001_initial
from db.models import database
from tests.db.undo_steps import undo_step_24

pytestmark = pytest.mark.sqlite_only(
    "SQLite's FTS5 trigram indexes; on the server one pg_trgm table answers"
)

_COLUMNS = {
    "cases_fts": ("number", "vin", "plate", "content"),
    "cases_customer_fts": ("customer_name", "phone"),
}
_EVERY = ("number", "customer_name", "phone", "vin", "plate", "content")
# Texts of the cases below and of the changes the tests make (3+ characters).
TEXTS = (
    "王芳陪",
    "欧阳锋",
    "李雷雷",
    "赵敏敏",
    "匿名者",
    "漆面有",
    "两次返修",
    "送来锦旗",
    "感谢信",
    "139",
    "0001",
    "111",
    "777",
    "lsvaa",
    "京A9X",
    "沪A1",
    "SH01",
)

_CASES = [
    ("王芳", "13900001111", "LSVAA4182E2000001", "沪A12345", "新车交付时漆面有划痕,要求补漆"),
    ("欧阳锋", "13800007777", None, None, "异响,两次返修 王芳陪同"),
    ("李雷雷", None, "LFV3A23C1E3000077", "京A9X391", "送来锦旗"),
]


def _create(ctx, name, phone, vin, plate, content) -> int:
    v = cases.blank_case(ctx)
    v.update(customer_name=name, phone=phone, vin=vin, plate=plate, content=content)
    return cases.create_case(ctx, v).id


@pytest.fixture
def three(ctx) -> list[int]:
    return [_create(ctx, *values) for values in _CASES]


def _named(index: str, text: str) -> set[int]:
    sql = f"SELECT rowid FROM {index} WHERE {index} MATCH ?"
    return {r[0] for r in database.execute_sql(sql, [queries._fts_phrase(text)])}


def _holding(columns: tuple[str, ...], text: str) -> set[int]:
    where = " OR ".join(f"{c} LIKE ?" for c in columns)
    sql = f"SELECT id FROM cases WHERE {where}"
    return {r[0] for r in database.execute_sql(sql, [f"%{text}%"] * len(columns))}


def assert_both_right() -> None:
    assert check.search_index() == []
    for text in TEXTS:
        for index, columns in _COLUMNS.items():
            assert _named(index, text) == _holding(columns, text), (index, text)
        # the search's route through both indexes gives the plain query's ids, whole and
        # as the search box's top 100
        every = _holding(_EVERY, text)
        assert set(queries.case_ids(CaseFilter(text=text))) == every, text
        assert set(queries.case_ids(CaseFilter(text=text), NEWEST_FIRST, limit=100)) == every


def test_new_cases_are_in_both(three):
    assert_both_right()
    assert _named("cases_customer_fts", "王芳") == set()  # two characters: no trigram
    assert _named("cases_customer_fts", "欧阳锋") == {three[1]}
    assert _named("cases_fts", "王芳陪") == {three[1]}
    assert _named("cases_fts", "欧阳锋") == set()


def test_a_change_of_name_and_phone_leaves_both_right(ctx, three):
    cases.update_case(ctx, three[0], {"customer_name": "赵敏敏", "phone": None})
    # as anonymising writes: one statement over many cases
    database.execute_sql(
        "UPDATE cases SET customer_name = '匿名者', phone = NULL WHERE id IN (?, ?)",
        [three[1], three[2]],
    )
    assert_both_right()
    assert _named("cases_customer_fts", "匿名者") == {three[1], three[2]}
    assert _named("cases_customer_fts", "139") == set()


def test_a_change_of_the_case_s_text_leaves_both_right(ctx, three):
    cases.update_case(ctx, three[2], {"content": "送来感谢信", "plate": "京A7711"})
    database.execute_sql("UPDATE cases SET content = content || '李雷雷' WHERE id = ?", [three[0]])
    assert_both_right()
    assert _named("cases_fts", "李雷雷") == {three[0]}
    assert _named("cases_fts", "感谢信") == {three[2]}


def test_a_delete_leaves_both_right(three):
    database.execute_sql("DELETE FROM cases WHERE id = ?", [three[1]])
    assert_both_right()
    assert _named("cases_customer_fts", "欧阳锋") == set()


def test_a_bulk_load_leaves_both_right(ctx, three):
    with database.atomic():
        loader = bulk_load.BulkLoad(["cases"])
        names = {n for (n,) in database.execute_sql("SELECT name FROM sqlite_master")}
        assert not {fts.trigram_insert_trigger(i) for i in fts.TRIGRAM_INDEXES} & names
        new = [_create(ctx, "赵敏敏", "13900009999", None, "京A7777", "锦旗两面")]
        new.append(_create(ctx, "王芳", None, None, None, "两次返修"))
        # changed during the load: a new case (no document yet) and an old one
        database.execute_sql("UPDATE cases SET customer_name = '李雷雷' WHERE id = ?", [new[1]])
        database.execute_sql("UPDATE cases SET content = '感谢信' WHERE id = ?", [three[0]])
        loader.restore()
    names = {n for (n,) in database.execute_sql("SELECT name FROM sqlite_master")}
    assert {fts.trigram_insert_trigger(i) for i in fts.TRIGRAM_INDEXES} <= names
    assert_both_right()
    assert _named("cases_customer_fts", "李雷雷") == {three[2], new[1]}


def test_a_save_of_the_whole_row_reindexes_neither(ctx, three):
    """A case's save writes every column: the indexes are rewritten only where their own
    columns changed (a stale document planted behind the triggers' back shows which)."""
    for index in fts.TRIGRAM_INDEXES:
        database.execute_sql(f"UPDATE {index} SET doc = 'old' WHERE rowid = ?", [three[0]])
    database.execute_sql(
        "UPDATE cases SET number = number, customer_name = customer_name, phone = phone, "
        "vin = vin, plate = plate, content = content, modified_at = modified_at || '' WHERE id = ?",
        [three[0]],
    )
    cases.update_case(ctx, three[0], {"severity": "重大投诉"})
    assert _named("cases_fts", "old") == {three[0]}
    assert _named("cases_customer_fts", "old") == {three[0]}
    database.execute_sql("UPDATE cases SET phone = NULL WHERE id = ?", [three[0]])
    assert _named("cases_customer_fts", "old") == set()
    assert _named("cases_fts", "old") == {three[0]}
    database.execute_sql("UPDATE cases SET content = '漆面有划痕' WHERE id = ?", [three[0]])
    assert_both_right()


def test_a_text_across_fields_is_found_within_one_index(three):
    """The documents join fields with newlines; a text holding a newline (never typed in
    the search box) is found across the fields one index joins (name and phone; number,
    VIN, plate and content), no longer across the two."""
    customer = "王芳\n13900001111"
    assert set(queries.case_ids(CaseFilter(text=customer))) == {three[0]}
    (number,) = database.execute_sql("SELECT number FROM cases WHERE id = ?", [three[2]]).fetchone()
    assert set(queries.case_ids(CaseFilter(text=f"{number}\nLFV3A"))) == {three[2]}
    assert set(queries.case_ids(CaseFilter(text=f"{number}\n李雷雷"))) == set()


def _back_to_schema_23() -> None:
    """What a folder at schema 23 holds: schema 1's single trigram index of the six columns
    and its triggers, instead of step 25's two."""
    for index in fts.TRIGRAM_INDEXES:
        for suffix in ("ai", "ad", "au"):
            database.execute_sql(f"DROP TRIGGER {index}_{suffix}")
        database.execute_sql(f"DROP TABLE {index}")
    for sql in m0001_initial.STATEMENTS:
        if "cases_fts" in sql:
            database.execute_sql(sql)
    database.execute_sql(
        f"INSERT INTO cases_fts (rowid, doc) SELECT id, {fts.server_doc_sql('cases')} FROM cases"
    )
    undo_step_24()  # nor step 24's log of touched cases
    database.execute_sql("DELETE FROM schema_version WHERE version > 23")


def test_the_migration_from_schema_23_builds_both_from_the_cases(ctx, three, db_path):
    cases.update_case(ctx, three[1], {"customer_name": "赵敏敏"})
    _back_to_schema_23()
    assert _named("cases_fts", "赵敏敏") == {three[1]}  # schema 1's document holds the name
    close_database()
    heard: list[int] = []
    report = open_database(
        db_path,
        backup_dir=db_path.parent / "backups",
        progress=lambda version, seconds: heard.append(version),
    )
    assert report.version_before == 23 and report.version_after >= 25
    assert 25 in heard
    assert check.schema() == []
    assert_both_right()
    assert _named("cases_customer_fts", "赵敏敏") == {three[1]}
    assert _named("cases_fts", "赵敏敏") == set()

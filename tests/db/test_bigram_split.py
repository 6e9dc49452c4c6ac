"""The two bigram indexes of schema 23 (the customer's: name and phone; the case's: number,
VIN, plate and content) stay right through every kind of write: after a change of the name and
phone (what anonymising does), of the content, a delete, a bulk load and the migration of a
folder at schema 22, FTS5's integrity-check passes for both and each names exactly the cases
whose own columns hold the text (as a plain LIKE over them finds)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from complaints.query import NEWEST_FIRST, CaseFilter
from complaints.usecases import cases
from db import bulk_load, check, fts, queries
from db import database as db_database
from db.database import close_database, open_database
from db.migrations import m0021_bigram_index
from db.models import database
from tests.db.undo_steps import undo_step_24

pytestmark = pytest.mark.sqlite_only(
    "SQLite's FTS5 bigram indexes; on the server pg_trgm answers short text"
)

_COLUMNS = {
    "cases_bigram_customer": ("customer_name", "phone"),
    "cases_bigram_case": ("number", "vin", "plate", "content"),
}
# Texts of the cases below and of the changes the tests make (CJK and digits: one token
# each, so the index names exactly the cases holding them).
TEXTS = (
    "王芳",
    "欧阳",
    "阳锋",
    "李雷",
    "赵敏",
    "匿名",
    "漆面",
    "异响",
    "锦旗",
    "谢信",
    "返修",
    "13",
    "39",
    "11",
    "77",
    "LS",
    "京A",
    "王",
    "锦",
    "9",
)

_CASES = [
    ("王芳", "13900001111", "LSVAA4182E2000001", "沪A12345", "新车交付时漆面有划痕,要求补漆"),
    ("欧阳锋", "13800007777", None, None, "异响,两次返修 王芳陪同"),
    ("李雷", None, "LFV3A23C1E3000077", "京A9X391", "送来锦旗"),
]


def _create(ctx, name, phone, vin, plate, content) -> int:
    v = cases.blank_case(ctx)
    v.update(customer_name=name, phone=phone, vin=vin, plate=plate, content=content)
    return cases.create_case(ctx, v).id


@pytest.fixture
def three(ctx) -> list[int]:
    return [_create(ctx, *values) for values in _CASES]


def _named(index: str, text: str) -> set[int]:
    query = queries.bigram_query(text)
    assert query is not None, text
    sql = f"SELECT rowid FROM {index} WHERE {index} MATCH ?"
    return {r[0] for r in database.execute_sql(sql, [query])}


def _holding(columns: tuple[str, ...], text: str) -> set[int]:
    where = " OR ".join(f"{c} LIKE ?" for c in columns)
    sql = f"SELECT id FROM cases WHERE {where}"
    return {r[0] for r in database.execute_sql(sql, [f"%{text}%"] * len(columns))}


def assert_both_right() -> None:
    assert check.bigram_index() == []
    assert check.search_index() == []
    for text in TEXTS:
        for index, columns in _COLUMNS.items():
            assert _named(index, text) == _holding(columns, text), (index, text)
        # the search's own route through both indexes gives the plain query's ids
        every = _COLUMNS["cases_bigram_customer"] + _COLUMNS["cases_bigram_case"]
        phrases = [queries.bigram_query(text)] * len(fts.BIGRAM_INDEXES)
        found = queries._case_ids(
            CaseFilter(text=text), NEWEST_FIRST, None, queries.BIGRAM_CLAUSE, phrases
        )
        assert set(found) == _holding(every, text), text


def test_new_cases_are_in_both(three):
    assert_both_right()
    assert _named("cases_bigram_customer", "王芳") == {three[0]}
    assert _named("cases_bigram_case", "王芳") == {three[1]}


def test_a_change_of_name_and_phone_leaves_both_right(ctx, three):
    cases.update_case(ctx, three[0], {"customer_name": "赵敏", "phone": None})
    # as anonymising writes: one statement over many cases
    database.execute_sql(
        "UPDATE cases SET customer_name = '匿名', phone = NULL WHERE id IN (?, ?)",
        [three[1], three[2]],
    )
    assert_both_right()
    assert _named("cases_bigram_customer", "王芳") == set()
    assert _named("cases_bigram_case", "王芳") == {three[1]}  # the content still names her


def test_a_change_of_the_case_s_text_leaves_both_right(ctx, three):
    cases.update_case(ctx, three[2], {"content": "送来感谢信", "plate": "京A7711"})
    database.execute_sql("UPDATE cases SET content = content || '李雷' WHERE id = ?", [three[0]])
    assert_both_right()
    assert _named("cases_bigram_case", "李雷") == {three[0]}


def test_a_delete_leaves_both_right(three):
    database.execute_sql("DELETE FROM cases WHERE id = ?", [three[1]])
    assert_both_right()
    assert _named("cases_bigram_customer", "欧阳") == set()


def test_a_bulk_load_leaves_both_right(ctx, three):
    with database.atomic():
        loader = bulk_load.BulkLoad(["cases"])
        names = {n for (n,) in database.execute_sql("SELECT name FROM sqlite_master")}
        assert not {fts.bigram_insert_trigger(i) for i in fts.BIGRAM_INDEXES} & names
        new = [_create(ctx, "赵敏", "13900009999", None, "京A7788", "锦旗两面")]
        new.append(_create(ctx, "王芳", None, None, None, "异响"))
        # changed during the load: a new case (no document yet) and an old one
        database.execute_sql("UPDATE cases SET customer_name = '李雷' WHERE id = ?", [new[1]])
        database.execute_sql("UPDATE cases SET content = '谢信' WHERE id = ?", [three[0]])
        loader.restore()
    assert_both_right()
    assert _named("cases_bigram_customer", "李雷") == {three[2], new[1]}


def _back_to_schema_22() -> None:
    """What a folder at schema 22 holds: schema 21's single bigram index, its view and
    triggers, instead of step 23's two."""
    for index in fts.BIGRAM_INDEXES:
        for suffix in ("ai", "bd", "bu", "au"):
            database.execute_sql(f"DROP TRIGGER {index}_{suffix}")
        database.execute_sql(f"DROP TABLE {index}")
        database.execute_sql(f"DROP VIEW {index}_docs")
    for sql in m0021_bigram_index.STATEMENTS:
        database.execute_sql(sql)
    undo_step_24()  # nor step 24's log of touched cases
    database.execute_sql("DELETE FROM schema_version WHERE version > 22")


def test_the_migration_from_schema_22_builds_both_from_the_cases(ctx, three, db_path, monkeypatch):
    cases.update_case(ctx, three[1], {"customer_name": "赵敏"})
    _back_to_schema_22()
    close_database()
    # every look at the clock reports (a real start reports about every 0.2 s)
    monkeypatch.setattr(db_database, "REPORT_EVERY_S", 0.0)
    monkeypatch.setattr(db_database, "_PROGRESS_OPS", 100)
    heard: list[tuple[int, float]] = []
    report = open_database(
        db_path,
        backup_dir=db_path.parent / "backups",
        progress=lambda version, seconds: heard.append((version, seconds)),
    )
    assert report.version_before == 22 and report.version_after >= 23
    # the step is told at its start and again while its statements run
    assert [v for v, _s in heard].count(23) > 1 and min(v for v, _s in heard) == 23
    assert [s for _v, s in heard] == sorted(s for _v, s in heard)
    names = {n for (n,) in database.execute_sql("SELECT name FROM sqlite_master")}
    assert "cases_bigram" not in names and "cases_bigram_docs" not in names
    assert check.schema() == []
    assert_both_right()
    assert _named("cases_bigram_customer", "赵敏") == {three[1]}


def test_the_backup_before_a_migration_is_heard_as_its_first_step(ctx, three, db_path, monkeypatch):
    """A person sees the upgrade's progress from the start: the verified backup made before
    the steps takes seconds on a big database, and the dialog must not wait for it."""
    _back_to_schema_22()
    close_database()
    heard: list[tuple[int, float]] = []
    during_backup: list[int] = []
    real_backup = db_database.make_backup

    def watched_backup(*args, **kwargs):
        before = len(heard)
        made = real_backup(*args, **kwargs)
        during_backup.append(len(heard) - before)
        return made

    monkeypatch.setattr(db_database, "make_backup", watched_backup)
    report = open_database(
        db_path,
        backup_dir=db_path.parent / "backups",
        progress=lambda version, seconds: heard.append((version, seconds)),
    )
    assert report.backup is not None and report.backup.exists()
    assert during_backup and during_backup[0] >= 1
    assert heard[0][0] == 23
    assert [s for _v, s in heard] == sorted(s for _v, s in heard)


def test_a_write_leaves_the_index_of_columns_it_does_not_change_alone(ctx, three):
    """Anonymising re-reads only the customer's bigrams; a save of the whole row (every
    column written, the indexed ones as they were) re-reads neither index."""
    customer, case = fts.BIGRAM_INDEXES
    for index in (customer, case):  # take a case's documents out behind the triggers' back
        database.execute_sql(
            f"INSERT INTO {index} ({index}, rowid, doc) "
            f"SELECT 'delete', rowid, doc FROM {index}_docs WHERE rowid = ?",
            [three[0]],
        )
    database.execute_sql(
        "UPDATE cases SET number = number, customer_name = customer_name, phone = phone, "
        "vin = vin, plate = plate, content = content, modified_at = modified_at || '' WHERE id = ?",
        [three[0]],
    )
    assert _named(customer, "王芳") == set() and _named(case, "漆面") == set()
    database.execute_sql("UPDATE cases SET content = '漆面' WHERE id = ?", [three[0]])
    assert _named(customer, "王芳") == set() and _named(case, "漆面") == {three[0]}
    database.execute_sql("UPDATE cases SET phone = NULL WHERE id = ?", [three[0]])
    assert _named(customer, "王芳") == {three[0]}
    assert_both_right()


def test_the_bulk_load_cuts_the_text_its_views_cut(ctx):
    """A bulk load's end cuts the documents in Python (fts.bigram_pieces) from the very text
    each index's view cuts in SQL."""
    views = dict(
        database.execute_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'view' AND name LIKE '%_docs'"
        ).fetchall()
    )
    for index in fts.BIGRAM_INDEXES:
        text = fts.BIGRAM_TEXT_SQL[index].format(r="c")
        assert " ".join(text.split()) in " ".join(views[f"{index}_docs"].split()), index


# Any character (CJK, letters, digits, astral, spaces, newlines, punctuation), short and long
# (the view cuts 16 characters a step), and nothing at all
_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="王芳锦旗 \n,.A9😀-", min_size=14, max_size=70),
)
_ANY_TEXT = st.one_of(st.none(), _TEXT)


def _copy_with(template: int, n: int, name, phone, plate, content) -> None:
    """A new case row like ``template`` holding these texts, inserted as a load inserts it
    (no update after it, which would index it through the update trigger)."""
    columns = [r[1] for r in database.execute_sql("PRAGMA table_info(cases)") if r[1] != "id"]
    given_here = ("uid", "number", "customer_name", "phone", "plate", "content")
    picks = ", ".join("?" if c in given_here else c for c in columns)
    params = dict(
        zip(given_here, (f"bigram-{n}", f"T{n}", name, phone, plate, content), strict=True)
    )
    database.execute_sql(
        f"INSERT INTO cases ({', '.join(columns)}) SELECT {picks} FROM cases WHERE id = ?",
        [params[c] for c in columns if c in given_here] + [template],
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=st.lists(st.tuples(_TEXT, _ANY_TEXT, _ANY_TEXT, _TEXT), min_size=1, max_size=4))
# a NUL ends a text for SQLite's string functions: the view's own document serves there
@example(texts=[("王芳", None, "\x000", "锦旗 送来\n😀")])
@example(texts=[("a", "1", "", "0123456789abcdefg")])
def test_a_bulk_load_of_any_text_holds_the_views_tokens(ctx, texts):
    """Whatever the cases hold, the documents a bulk load adds are the views': FTS5's
    integrity-check (rank 1) works each case's tokens out again from its view and compares."""
    template = _create(ctx, "甲", None, None, None, "x")
    with database.atomic() as txn:
        loader = bulk_load.BulkLoad(["cases"])
        for n, (name, phone, plate, content) in enumerate(texts):
            _copy_with(template, n, name, phone, plate, content)
        loader.restore()
        assert check.bigram_index() == []
        txn.rollback()

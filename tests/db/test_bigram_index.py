"""The bigram indexes (schema 21, split by schema 23 into the customer's and the case's)
name every case holding a 1-2 character text, follow every write to the cases, and are
verified and rebuilt by the checks like the trigram index."""

import pytest

from complaints.query import NEWEST_FIRST, CaseFilter
from complaints.usecases import cases
from db import check, fts, queries
from db.models import database

pytestmark = pytest.mark.sqlite_only(
    "SQLite's FTS5 bigram index; on the server pg_trgm answers short text "
    "(tests/db/test_server_step21.py, the search tests on both engines)"
)

_TEXTS = [
    ("王芳", "新车交付时漆面有划痕,要求补漆"),
    ("欧阳锋", "Engine 异响,两次返修"),
    ("李雷", "送来锦旗"),
]


def _values(ctx, name, content):
    v = cases.blank_case(ctx)
    v.update(customer_name=name, content=content, phone="13900001111")
    return v


@pytest.fixture
def three(ctx):
    return [cases.create_case(ctx, _values(ctx, n, c)).id for n, c in _TEXTS]


def _named(text: str, indexes: tuple[str, ...] = fts.BIGRAM_INDEXES) -> set[int]:
    query = queries.bigram_query(text)
    assert query is not None, text
    named: set[int] = set()
    for index in indexes:
        sql = f"SELECT rowid FROM {index} WHERE {index} MATCH ?"
        named |= {r[0] for r in database.execute_sql(sql, [query])}
    return named


def _holding(text: str) -> set[int]:
    return set(queries._case_ids(CaseFilter(text=text), NEWEST_FIRST, None))


def test_the_index_names_every_case_holding_the_text(three):
    for text in ("漆面", "锦旗", "欧阳", "异响", "返修", "en", "EN", "13", "锦", "补", "漆", "3"):
        assert _holding(text) <= _named(text), text
    assert _named("锦旗") == {three[2]}
    assert _named("欧") == {three[1]}
    assert _named("旗袍") == set()


def test_the_index_follows_updates_and_deletes(ctx, three):
    cases.update_case(ctx, three[2], {"content": "送来感谢信"})
    assert _named("锦旗") == set() and _named("谢信") == {three[2]}
    database.execute_sql("DELETE FROM cases WHERE id = ?", [three[1]])
    assert _named("欧阳") == set()
    assert check.search_index() == []


def test_texts_the_index_cannot_answer_are_left_to_the_scan():
    assert queries.bigram_query("锦旗") == '"锦旗"'
    assert queries.bigram_query("锦") == '"锦" *'
    assert queries.bigram_query("沪A") == '"沪A"'
    for text in ("%", "锦,", " a", "旗袍店", "", "é1"):
        assert queries.bigram_query(text) is None, text


def _trigger_sql(name: str) -> str:
    (sql,) = database.execute_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", [name]
    ).fetchone()
    return sql


@pytest.mark.parametrize(
    ("index", "column", "text", "old", "new"),
    [
        ("cases_bigram_case", "content", "送来感谢信", "锦旗", "谢信"),
        ("cases_bigram_customer", "customer_name", "赵敏", "李雷", "赵敏"),
    ],
)
def test_an_index_out_of_step_is_found_and_rebuilt(ctx, three, index, column, text, old, new):
    trigger = _trigger_sql(f"{index}_au")
    database.execute_sql(f"DROP TRIGGER {index}_au")
    database.execute_sql(f"UPDATE cases SET {column} = ? WHERE id = ?", [text, three[2]])
    problems = check.search_index()
    assert any(index in p and "FTS5 integrity-check" in p for p in problems)
    check.rebuild_search_index()
    database.execute_sql(trigger)
    assert check.search_index() == []
    assert _named(new) == {three[2]} and _named(old) == set()


@pytest.mark.parametrize("index", fts.BIGRAM_INDEXES)
def test_a_missing_document_is_found(three, index):
    database.execute_sql(
        f"INSERT INTO {index} ({index}, rowid, doc) "
        f"SELECT 'delete', rowid, doc FROM {index}_docs WHERE rowid = ?",
        [three[0]],
    )
    assert any(index in p for p in check.search_index())
    # a case the index does not hold is left alone by the delete trigger (no corruption)
    database.execute_sql("DELETE FROM cases WHERE id = ?", [three[0]])
    assert check.search_index() == []


@pytest.mark.parametrize("index", fts.BIGRAM_INDEXES)
def test_the_bulk_load_s_statement_is_the_insert_trigger_s(db_path, index):
    sql = _trigger_sql(fts.bigram_insert_trigger(index))
    assert fts.bigram_insert_trigger_row_sql(index) in " ".join(sql.split())

"""The bigram index (schema 21) names every case holding a 1-2 character text, follows every
write to the cases, and is verified and rebuilt by the checks like the trigram index."""

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


def _named(text: str) -> set[int]:
    query = queries.bigram_query(text)
    assert query is not None, text
    sql = "SELECT rowid FROM cases_bigram WHERE cases_bigram MATCH ?"
    return {r[0] for r in database.execute_sql(sql, [query])}


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


def test_an_index_out_of_step_is_found_and_rebuilt(ctx, three):
    database.execute_sql("DROP TRIGGER cases_bigram_au")
    database.execute_sql("UPDATE cases SET content = '送来感谢信' WHERE id = ?", [three[2]])
    problems = check.search_index()
    assert any("cases_bigram" in p and "FTS5 integrity-check" in p for p in problems)
    check.rebuild_search_index()
    database.execute_sql(
        "CREATE TRIGGER cases_bigram_au AFTER UPDATE OF number, customer_name, phone, vin, "
        "plate, content ON cases BEGIN INSERT INTO cases_bigram (rowid, doc) "
        "SELECT rowid, doc FROM cases_bigram_docs WHERE rowid = new.id; END"
    )
    assert check.search_index() == []
    assert _named("谢信") == {three[2]} and _named("锦旗") == set()


def test_a_missing_document_is_found(three):
    database.execute_sql(
        "INSERT INTO cases_bigram (cases_bigram, rowid, doc) "
        "SELECT 'delete', rowid, doc FROM cases_bigram_docs WHERE rowid = ?",
        [three[0]],
    )
    assert any("cases_bigram" in p for p in check.search_index())
    # a case the index does not hold is left alone by the delete trigger (no corruption)
    database.execute_sql("DELETE FROM cases WHERE id = ?", [three[0]])
    assert check.search_index() == []


def test_the_bulk_load_s_statement_is_the_insert_trigger_s(db_path):
    (sql,) = database.execute_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
        (fts.BIGRAM_INSERT_TRIGGER,),
    ).fetchone()
    assert fts.BIGRAM_INSERT_TRIGGER_ROW_SQL in " ".join(sql.split())

"""The database checks name the table and row of every problem."""

import pytest

from complaints.usecases import cases
from db import check
from db.models import database

pytestmark = pytest.mark.sqlite_only(
    "SQLite's checks (integrity_check, FTS5); the server's are in test_server.py"
)


def _values(ctx, **over):
    v = cases.blank_case(ctx)
    v.update(customer_name="王芳", content="新车交付时漆面有划痕,要求补漆", phone="13900001111")
    v.update(over)
    return v


@pytest.fixture
def two_cases(ctx):
    return [cases.create_case(ctx, _values(ctx)), cases.create_case(ctx, _values(ctx))]


def test_clean_database_has_no_problems(two_cases):
    assert check.integrity() == []
    assert check.foreign_keys() == []
    assert check.search_index() == []


def test_missing_stale_and_extra_index_rows_are_named(two_cases):
    a, b = two_cases
    database.execute_sql("DELETE FROM cases_fts WHERE rowid = ?", (a.id,))
    database.execute_sql("UPDATE cases_fts SET doc = 'old' WHERE rowid = ?", (b.id,))
    database.execute_sql("INSERT INTO cases_fts (rowid, doc) VALUES (999, 'ghost')")
    problems = check.search_index()
    assert f"投诉单 {a.number}(cases 表 id {a.id})在搜索索引 cases_fts 中缺失" in problems
    assert f"投诉单 {b.number}(cases 表 id {b.id})的搜索索引内容已过时" in problems
    assert any("第 999 行" in p for p in problems)
    check.rebuild_search_index()
    assert check.search_index() == []


def test_index_out_of_step_when_triggers_are_bypassed(two_cases):
    a, _ = two_cases
    # the customer's trigram index and the case's: each found stale on its own
    database.execute_sql("DROP TRIGGER cases_customer_fts_au")
    database.execute_sql("UPDATE cases SET customer_name = '李雷' WHERE id = ?", (a.id,))
    assert len([p for p in check.search_index() if "过时" in p]) == 1
    database.execute_sql("DROP TRIGGER cases_fts_au")
    database.execute_sql("UPDATE cases SET content = '发动机异响' WHERE id = ?", (a.id,))
    assert len([p for p in check.search_index() if "过时" in p]) == 2


def test_dangling_foreign_key_is_named(two_cases):
    database.execute_sql("PRAGMA foreign_keys = OFF")
    try:
        database.execute_sql("DELETE FROM cases WHERE id = ?", (two_cases[0].id,))
    finally:
        database.execute_sql("PRAGMA foreign_keys = ON")
    problems = check.foreign_keys()
    assert problems and problems[0].startswith("表 entries 第 ")
    assert "引用的 cases 记录不存在" in problems[0]


def test_long_lists_are_capped(ctx):
    for _ in range(check.MAX_LISTED + 5):
        cases.create_case(ctx, _values(ctx))
    database.execute_sql("DELETE FROM cases_fts")
    problems = check.search_index()
    assert len(problems) == check.MAX_LISTED + 1
    assert problems[-1] == "……另有 5 处索引缺失未逐一列出"


def test_fts_internal_inconsistency_is_found_and_rebuilt(two_cases):
    a, _ = two_cases
    database.execute_sql("UPDATE cases_fts_content SET c0 = 'x' WHERE id = ?", (a.id,))
    problems = check.search_index()
    assert any("FTS5 integrity-check" in p for p in problems)
    check.rebuild_search_index()
    assert check.search_index() == []
    from complaints.usecases import cases as uc

    assert uc.search("漆面有划痕") and len(uc.search("漆面有划痕")) == 2

"""``check`` on the office server: the B-tree indexes (amcheck, where the server has it), the
schema's protecting triggers, and the search index in step with the cases. Foreign keys need
no check there: PostgreSQL enforces them on every write."""

from __future__ import annotations

import peewee as pw

from db.check import MAX_LISTED
from db.fts import server_doc_sql
from db.models import database

PROTECTING_TRIGGERS = (
    "cases_fts_ai",
    "cases_fts_ad",
    "cases_fts_au",
    "audit_log_no_update",
    "audit_log_no_delete",
    "audit_log_head",
    "audit_head_forward",
    "audit_head_no_delete",
    "site_audit_chains_no_update",
    "site_audit_chains_no_delete",
)


def database_bytes() -> int:
    """The server database's size on disk (its tables, indexes and their overhead)."""
    return int(database.execute_sql("SELECT pg_database_size(current_database())").fetchone()[0])


def search_locale() -> list[str]:
    """pg_trgm reads Chinese characters as letters only under a UTF-8 character class
    (LC_CTYPE such as C.UTF-8 or zh_CN.UTF-8); under 'C' it makes no trigrams of them, so
    every search reads the whole index. The search still finds the right cases: this says
    why it is slow and what the administrator should do."""
    (trigrams,) = database.execute_sql("SELECT show_trgm('锦旗表')").fetchone()
    if trigrams:
        return []
    (ctype,) = database.execute_sql("SELECT current_setting('lc_ctype')").fetchone()
    return [
        f"服务器数据库的字符分类(LC_CTYPE)为 {ctype},搜索索引无法识别中文,"
        "案件多时搜索会很慢:请服务器管理员按 docs/server.md 以 UTF-8 区域"
        "(如 C.UTF-8 或 zh_CN.UTF-8)重建数据库"
    ]


def integrity() -> list[str]:
    """Every B-tree index of the schema checked by amcheck's bt_index_check. amcheck is an
    extension only a superuser may add: without it the check says so and finds nothing."""
    try:
        with database.atomic():
            database.execute_sql("CREATE EXTENSION IF NOT EXISTS amcheck")
    except pw.DatabaseError:
        return []  # not installable by this login: the administrator's pg_amcheck covers it
    problems: list[str] = []
    rows = database.execute_sql(
        "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE a.amname = 'btree' AND n.nspname = current_schema() ORDER BY c.relname"
    ).fetchall()
    for (name,) in rows:
        try:
            with database.atomic():
                database.execute_sql("SELECT bt_index_check(?::regclass)", (name,))
        except pw.DatabaseError as e:
            problems.append(f"索引 {name} 损坏(amcheck:{str(e).strip()}):请联系服务器管理员")
    return problems


def schema() -> list[str]:
    """The triggers that keep the search index and protect the audit trail are there."""
    present = {
        r[0]
        for r in database.execute_sql(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        ).fetchall()
    }
    missing = [t for t in PROTECTING_TRIGGERS if t not in present]
    return [f"数据库结构不完整:缺少触发器 {', '.join(missing)}"] if missing else []


def search_index() -> list[str]:
    """cases_fts holds exactly one up-to-date document per case."""
    missing = database.execute_sql(
        "SELECT id, number FROM cases WHERE id NOT IN (SELECT rowid FROM cases_fts) ORDER BY id"
    ).fetchall()
    extra = database.execute_sql(
        "SELECT rowid FROM cases_fts WHERE rowid NOT IN (SELECT id FROM cases) ORDER BY rowid"
    ).fetchall()
    stale = database.execute_sql(
        "SELECT c.id, c.number FROM cases c JOIN cases_fts f ON f.rowid = c.id "
        f"WHERE f.doc IS NOT ({server_doc_sql('c')}) ORDER BY c.id"
    ).fetchall()
    problems = [
        f"投诉单 {number}(cases 表 id {i})在搜索索引 cases_fts 中缺失"
        for i, number in missing[:MAX_LISTED]
    ]
    problems += [
        f"搜索索引 cases_fts 第 {r} 行对应的投诉单(cases 表 id {r})不存在"
        for (r,) in extra[:MAX_LISTED]
    ]
    problems += [
        f"投诉单 {number}(cases 表 id {i})的搜索索引内容已过时" for i, number in stale[:MAX_LISTED]
    ]
    shown = min(len(missing), MAX_LISTED) + min(len(extra), MAX_LISTED)
    shown += min(len(stale), MAX_LISTED)
    hidden = len(missing) + len(extra) + len(stale) - shown
    if hidden:
        problems.append(f"搜索索引另有 {hidden} 处问题未逐条列出")
    return problems


def rebuild_search_index() -> None:
    """Refill cases_fts from the cases table (the repair for search_index problems)."""
    with database.atomic():
        database.execute_sql("DELETE FROM cases_fts")
        database.execute_sql(
            f"INSERT INTO cases_fts (rowid, doc) SELECT id, {server_doc_sql('cases')} FROM cases"
        )

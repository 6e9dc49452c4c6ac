"""Checks of the open database, each problem one Chinese sentence naming the table and row.

Used by ``python -m desktop check`` and by the restore use case; each function returns
an empty list when all is well. They read only (the FTS5 'integrity-check' command
writes nothing).
"""

from __future__ import annotations

import sqlite3

from db.migrations.m0001_initial import FTS_DOC_SQL
from db.models import database

MAX_LISTED = 20  # problems listed one by one per check; the rest are counted


def _conn(conn: sqlite3.Connection | None) -> sqlite3.Connection:
    return conn if conn is not None else database.connection()


def _capped(problems: list[str], total: int, what: str) -> list[str]:
    if total > len(problems):
        problems.append(f"……另有 {total - len(problems)} 处{what}未逐一列出")
    return problems


def integrity(conn: sqlite3.Connection | None = None) -> list[str]:
    """SQLite's own check of pages, indexes and constraints."""
    try:
        rows = [r[0] for r in _conn(conn).execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as e:
        return [f"数据库文件已损坏,无法完成完整性检查:{e}"]
    if rows == ["ok"]:
        return []
    listed = [f"数据库文件损坏(integrity_check):{r}" for r in rows[:MAX_LISTED]]
    return _capped(listed, len(rows), "损坏")


def foreign_keys(conn: sqlite3.Connection | None = None) -> list[str]:
    """Rows that point at a parent row that is not there."""
    try:
        rows = _conn(conn).execute("PRAGMA foreign_key_check").fetchall()
    except sqlite3.DatabaseError as e:
        return [f"无法完成外键检查:{e}"]
    listed = [
        f"表 {table} 第 {rowid} 行引用的 {parent} 记录不存在(外键 {fkid})"
        for table, rowid, parent, fkid in rows[:MAX_LISTED]
    ]
    return _capped(listed, len(rows), "外键问题")


def search_index(conn: sqlite3.Connection | None = None) -> list[str]:
    """The trigram index cases_fts holds exactly one up-to-date document per case."""
    c = _conn(conn)
    problems: list[str] = []
    try:
        c.execute("INSERT INTO cases_fts (cases_fts, rank) VALUES ('integrity-check', 0)")
    except sqlite3.DatabaseError as e:
        problems.append(f"搜索索引 cases_fts 内部不一致(FTS5 integrity-check:{e})")
    try:
        missing = c.execute(
            "SELECT id, number FROM cases WHERE id NOT IN (SELECT rowid FROM cases_fts) "
            "ORDER BY id").fetchall()
        extra = c.execute(
            "SELECT rowid FROM cases_fts WHERE rowid NOT IN (SELECT id FROM cases) "
            "ORDER BY rowid").fetchall()
        stale = c.execute(
            "SELECT c.id, c.number FROM cases c JOIN cases_fts f ON f.rowid = c.id "
            f"WHERE f.doc IS NOT ({FTS_DOC_SQL.format(r='c')}) ORDER BY c.id").fetchall()
    except sqlite3.DatabaseError as e:
        return [*problems, f"无法比对搜索索引 cases_fts 与投诉表 cases:{e}"]
    problems += _capped(
        [f"投诉单 {number}(cases 表 id {i})在搜索索引 cases_fts 中缺失"
         for i, number in missing[:MAX_LISTED]], len(missing), "索引缺失")
    problems += _capped(
        [f"搜索索引 cases_fts 第 {r} 行对应的投诉单(cases 表 id {r})不存在"
         for (r,) in extra[:MAX_LISTED]], len(extra), "多余索引")
    problems += _capped(
        [f"投诉单 {number}(cases 表 id {i})的搜索索引内容已过时"
         for i, number in stale[:MAX_LISTED]], len(stale), "过时索引")
    return problems


def rebuild_search_index(conn: sqlite3.Connection | None = None) -> None:
    """Rebuild cases_fts from the cases table (the repair for search_index problems;
    the index holds nothing that is not in cases)."""
    c = _conn(conn)
    with database.atomic() if conn is None else c:
        # first make the index agree with its own stored text, so the delete can find
        # every token it removes; then refill it from cases
        c.execute("INSERT INTO cases_fts (cases_fts) VALUES ('rebuild')")
        c.execute("DELETE FROM cases_fts")
        c.execute(f"INSERT INTO cases_fts (rowid, doc) SELECT id, {FTS_DOC_SQL.format(r='cases')} "
                  "FROM cases")

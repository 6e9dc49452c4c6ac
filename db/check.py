"""Checks of the open database, each problem one Chinese sentence naming the table and row.

Used by ``python -m desktop check`` and by the restore use case; each function returns
an empty list when all is well. They read only (the FTS5 'integrity-check' command
writes nothing).
"""

from __future__ import annotations

import sqlite3

from db.database import build_schema, latest_version, schema_version
from db.fts import BIGRAM_INDEXES, TRIGRAM_INDEXES, doc_sql
from db.models import database, on_server

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


def quick_integrity(conn: sqlite3.Connection | None = None) -> list[str]:
    """SQLite's quick check (pages and records; not whether each index agrees with its
    table): the daily check, a fraction of integrity's time."""
    try:
        rows = [r[0] for r in _conn(conn).execute("PRAGMA quick_check")]
    except sqlite3.DatabaseError as e:
        return [f"数据库文件已损坏,无法完成快速检查:{e}"]
    if rows == ["ok"]:
        return []
    listed = [f"数据库文件损坏(quick_check):{r}" for r in rows[:MAX_LISTED]]
    return _capped(listed, len(rows), "损坏")


def database_bytes(conn: sqlite3.Connection | None = None) -> int:
    """The size of the open database as a backup copies it (its pages, including those
    still in the -wal file); on the office server, the database's size there."""
    if conn is None and on_server():
        row = database.execute_sql("SELECT pg_database_size(current_database())").fetchone()
        return int(row[0])
    c = _conn(conn)
    pages = c.execute("PRAGMA page_count").fetchone()[0]
    return int(pages * c.execute("PRAGMA page_size").fetchone()[0])


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
    """The trigram indexes cases_fts and cases_customer_fts each hold exactly one up-to-date
    document per case, and the bigram indexes cases_bigram_customer and cases_bigram_case
    agree with the cases."""
    problems: list[str] = []
    for index in TRIGRAM_INDEXES:
        problems += _trigram_index(index, conn)
    return problems + bigram_index(conn)


def bigram_index(conn: sqlite3.Connection | None = None) -> list[str]:
    """Each bigram index (schema 23: the customer's, the case's) holds the bigrams of
    every case and nothing else: FTS5's integrity-check with rank 1 works each case's bigrams
    out again from the cases (its external content, the view <index>_docs) and compares."""
    problems = []
    for index in BIGRAM_INDEXES:
        try:
            _conn(conn).execute(
                f"INSERT INTO {index} ({index}, rank) VALUES ('integrity-check', 1)"
            )
        except sqlite3.DatabaseError as e:
            problems.append(f"搜索索引 {index} 与投诉表 cases 不一致(FTS5 integrity-check:{e})")
    return problems


def _trigram_index(index: str, conn: sqlite3.Connection | None = None) -> list[str]:
    c = _conn(conn)
    problems: list[str] = []
    try:
        c.execute(f"INSERT INTO {index} ({index}, rank) VALUES ('integrity-check', 0)")
    except sqlite3.DatabaseError as e:
        problems.append(f"搜索索引 {index} 内部不一致(FTS5 integrity-check:{e})")
    try:
        missing = c.execute(
            f"SELECT id, number FROM cases WHERE id NOT IN (SELECT rowid FROM {index}) ORDER BY id"
        ).fetchall()
        extra = c.execute(
            f"SELECT rowid FROM {index} WHERE rowid NOT IN (SELECT id FROM cases) ORDER BY rowid"
        ).fetchall()
        stale = c.execute(
            f"SELECT c.id, c.number FROM cases c JOIN {index} f ON f.rowid = c.id "
            f"WHERE f.doc IS NOT ({doc_sql('c', index)}) ORDER BY c.id"
        ).fetchall()
    except sqlite3.DatabaseError as e:
        return [*problems, f"无法比对搜索索引 {index} 与投诉表 cases:{e}"]
    problems += _capped(
        [
            f"投诉单 {number}(cases 表 id {i})在搜索索引 {index} 中缺失"
            for i, number in missing[:MAX_LISTED]
        ],
        len(missing),
        "索引缺失",
    )
    problems += _capped(
        [
            f"搜索索引 {index} 第 {r} 行对应的投诉单(cases 表 id {r})不存在"
            for (r,) in extra[:MAX_LISTED]
        ],
        len(extra),
        "多余索引",
    )
    problems += _capped(
        [
            f"投诉单 {number}(cases 表 id {i})的搜索索引内容已过时"
            for i, number in stale[:MAX_LISTED]
        ],
        len(stale),
        "过时索引",
    )
    return problems


def rebuild_search_index(conn: sqlite3.Connection | None = None) -> None:
    """Rebuild the trigram and bigram indexes from the cases table (the repair for
    search_index problems; the indexes hold nothing that is not in cases)."""
    c = _conn(conn)
    with database.atomic() if conn is None else c:
        for index in TRIGRAM_INDEXES:
            # first make the index agree with its own stored text, so the delete can find
            # every token it removes; then refill it from cases
            c.execute(f"INSERT INTO {index} ({index}) VALUES ('rebuild')")
            c.execute(f"DELETE FROM {index}")
            c.execute(
                f"INSERT INTO {index} (rowid, doc) SELECT id, {doc_sql('cases', index)} FROM cases"
            )
        # the bigram indexes read their documents from the cases (external content)
        for index in BIGRAM_INDEXES:
            c.execute(f"INSERT INTO {index} ({index}) VALUES ('rebuild')")


# --- schema -------------------------------------------------------------------------------
#
# A restored or checked file must have exactly the schema that the migrations build for its
# version: a trigger planted in a backup would run on every later write, a
# renamed column would lose data silently. The reference is built afresh, in memory, by the
# same migration steps; every table, column, index, trigger and view is compared.

_KINDS = {"table": "表", "index": "索引", "trigger": "触发器", "view": "视图"}


def _norm(sql: str | None) -> str:
    return " ".join((sql or "").split())


def _objects(conn: sqlite3.Connection) -> dict[str, tuple[str, str, str]]:
    """name → (type, table, normalised SQL) of everything but SQLite's own objects."""
    return {
        name: (kind, table, _norm(sql))
        for kind, name, table, sql in conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' "
            "ESCAPE '\\'"
        )
    }


def _columns(conn: sqlite3.Connection, table: str) -> list[tuple]:
    q = table.replace('"', '""')
    return [tuple(r[1:]) for r in conn.execute(f'PRAGMA table_xinfo("{q}")')]


def _some(names: list[str], shown: int = 6) -> str:
    if len(names) <= shown:
        return "、".join(names)
    return "、".join(names[:shown]) + f" 等 {len(names)} 列"


def _shadow_of(name: str, virtual: set[str]) -> bool:
    """A table that a virtual table's module made for itself (cases_fts_data, ...): its
    definition is the module's business (it may differ between SQLite versions)."""
    return any(name.startswith(v + "_") for v in virtual)


def reference_schema(version: int) -> sqlite3.Connection:
    """A new in-memory database holding the schema of ``version`` as the migrations build it."""
    ref = sqlite3.connect(":memory:")
    build_schema(ref, version)
    return ref


def schema_differences(conn: sqlite3.Connection, version: int) -> list[str]:
    """How the schema of ``conn`` differs from what the migrations build for ``version``,
    one Chinese sentence per difference (empty when it is the same)."""
    ref = reference_schema(version)
    try:
        want, want_cols = _objects(ref), {}
        for name, (kind, _t, _s) in want.items():
            if kind == "table":
                want_cols[name] = _columns(ref, name)
    finally:
        ref.close()
    try:
        have = _objects(conn)
    except sqlite3.DatabaseError as e:
        return [f"无法读取数据库结构:{e}"]
    virtual = {
        n
        for n, (k, _t, s) in want.items()
        if k == "table" and s.upper().startswith("CREATE VIRTUAL TABLE")
    }
    problems: list[str] = []
    missing_tables = [
        n
        for n, (k, _t, _s) in want.items()
        if k == "table" and n not in have and not _shadow_of(n, virtual)
    ]
    if missing_tables:
        problems.append(f"缺少表 {'、'.join(missing_tables)}")
    for name, (kind, table, sql) in want.items():
        what = _KINDS.get(kind, kind)
        if name not in have:
            if kind == "table":
                if _shadow_of(name, virtual) and not any(
                    name.startswith(v + "_") and v in missing_tables for v in virtual
                ):
                    problems.append(f"缺少表 {name}")
                continue
            if table in missing_tables:
                continue  # said with its table
            on = f"(属于表 {table})" if kind in ("index", "trigger") else ""
            problems.append(f"缺少{what} {name}{on}")
            continue
        h_kind, h_table, h_sql = have[name]
        if h_kind != kind:
            problems.append(f"{name} 应是{what},却是{_KINDS.get(h_kind, h_kind)}")
            continue
        if kind == "table" and _shadow_of(name, virtual):
            continue
        if kind == "table":
            cols = _columns(conn, name)
            want_names = [c[0] for c in want_cols[name]]
            have_names = [c[0] for c in cols]
            missing = [c for c in want_names if c not in have_names]
            extra = [c for c in have_names if c not in want_names]
            if missing:
                problems.append(f"表 {name} 缺少列 {_some(missing)}")
            if extra:
                problems.append(f"表 {name} 多出列 {_some(extra)}")
            if not missing and not extra and (cols != want_cols[name] or h_sql != sql):
                problems.append(f"表 {name} 的定义(列的类型、顺序、默认值或约束)与应有的不同")
        elif h_sql != sql or h_table != table:
            problems.append(f"{what} {name}(属于表 {h_table})的定义与应有的不同")
    for name, (kind, table, _sql) in have.items():
        if name in want or (kind == "table" and _shadow_of(name, virtual)):
            continue
        what = _KINDS.get(kind, kind)
        on = f"(属于表 {table})" if kind in ("index", "trigger") else ""
        problems.append(f"多出{what} {name}{on}")
    # whole tables first: the sentence that says most comes before the details
    return sorted(problems, key=lambda p: not (p.startswith(("缺少表", "多出表"))))


def schema(conn: sqlite3.Connection | None = None) -> list[str]:
    """The open database's schema is exactly the one its version should have."""
    c = _conn(conn)
    try:
        version = schema_version(c)
    except Exception as e:
        return [f"无法读取数据库版本:{e}"]
    if not 0 < version <= latest_version():
        return [f"数据库版本 {version} 不是本程序所知的版本(1 至 {latest_version()})"]
    listed = [
        f"数据库结构与第 {version} 版应有的不同:{p}"
        for p in schema_differences(c, version)[:MAX_LISTED]
    ]
    return listed

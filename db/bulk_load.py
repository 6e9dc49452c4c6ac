"""Bulk loading: a big import into a small database without its secondary indexes.

Records are keyed by uuids, so each insert lands somewhere random in every index of its
table; for a first import of a whole ledger (100,000 cases, ~950,000 entries) keeping the
app's secondary indexes up to date row by row cost about as much as the rest of the
loading. Building an index once over the loaded table (CREATE INDEX sorts) is far cheaper.

Only plain indexes are dropped (``CREATE INDEX``, not unique): the unique ones (uid,
(site, 编号)) enforce rules and serve the merge's look-ups, so they stay. The dropped ones
are recreated with the very SQL stored in sqlite_master (db/migrations stays the one
source of truth), in the same transaction: SQLite's DDL is transactional, so a cancel, an
error or a kill -9 rolls the drop back with everything else.

The cases' full-text indexes likewise: their insert triggers are dropped and the new cases
go into the two trigram indexes and the two bigram indexes with one INSERT ... SELECT each at
the end, then the triggers are recreated. Row
by row inside the import's savepoint, FTS5 flushes its pending terms at every statement
(a segment per case, then merges): 12 s of a 100,000-case import, against ~3 s at once.
Updates and deletes keep their triggers: a case inserted by this load and updated later
in it has no document yet (the update trigger changes nothing), and the final insert
takes its final values.

The kept months of 统计 (stats_months, db/migrations/m0020_stats_months.py) likewise: the
insert triggers of cases and entries delete, row by row, every kept month the row's case
was received in (a query per inserted row: about as much as the insert itself). They are
dropped, and at the end one statement per table deletes the months any new row's case
falls in, then they are recreated. The update and delete triggers stay, and they forget
the months of the time before and after a change, so a case changed after its insert in
the same load loses the months of both times, as it would row by row.

On the server (PostgreSQL) the same ideas, in its terms (``ServerTriggers``): the search
table's insert trigger is disabled (ALTER TABLE … DISABLE TRIGGER, transactional like the
rest) and its trigram GIN index dropped; at the end one INSERT … SELECT adds the new
cases' documents (taking the latest values of one updated during the load, which its
update trigger had already added) and the index is built once. The kept months' triggers
(one per table, for insert, update and delete) are disabled only while stats_months is
empty, and it is locked against other seats' writes until the commit: with nothing kept,
every row's trigger would have deleted nothing. The loaded tables' foreign keys are dropped
and added again at the end (one check over all rows, not a trigger per row; a row that
breaks one fails the import at the end instead of at its insert, rolled back whole).
Then every loaded table is ANALYZEd: the planner's statistics of a table that grew tenfold
lead it astray until autovacuum comes.

The log of touched cases (db/case_touches.py, schema 24) likewise: the insert triggers of
cases and entries are off during the load (dropped on SQLite, disabled on the server), and
at the end every case counts as touched for every reader (``case_touches.mark_everything``:
each seat's kept to-do list is judged afresh once), instead of a touch per loaded row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from db import case_touches, fts
from db.models import database, on_server

# A table is loaded in bulk when the rows coming in outnumber those already there, and
# are at least this many (below it, rebuilding the indexes is not worth its fixed cost).
BULK_MIN_ROWS = 5000


@dataclass(frozen=True)
class SavedIndex:
    name: str
    table: str
    sql: str


def plain_indexes(tables: Iterable[str]) -> list[SavedIndex]:
    """The non-unique indexes made by CREATE INDEX on ``tables``, with their SQL, in
    schema order."""
    wanted = list(tables)
    if on_server():
        return _plain_indexes_on_server(wanted)
    out = []
    for table in wanted:
        plain = {
            name
            for _seq, name, unique, origin, _partial in database.execute_sql(
                f'PRAGMA index_list("{table}")'
            ).fetchall()
            if origin == "c" and not unique
        }
        if not plain:
            continue
        rows = database.execute_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL ORDER BY rowid",
            (table,),
        ).fetchall()
        out += [SavedIndex(name, table, sql) for name, sql in rows if name in plain]
    return out


def _plain_indexes_on_server(tables: list[str]) -> list[SavedIndex]:
    """The server's counterpart: its catalog names the non-unique indexes, and
    ``pg_get_indexdef`` gives the statement that builds each again (PostgreSQL's DDL is
    transactional too)."""
    out = []
    for table in tables:
        rows = database.execute_sql(
            "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "WHERE t.relname = ? AND t.relnamespace = current_schema()::regnamespace "
            "AND NOT x.indisunique AND NOT x.indisprimary ORDER BY i.oid",
            (table,),
        ).fetchall()
        out += [SavedIndex(name, table, sql) for name, sql in rows]
    return out


def refresh_statistics(tables: Iterable[str]) -> None:
    """After a bulk load on the office server: the planner's statistics of ``tables`` (and of
    the search documents, filled with the cases) at once. Until autovacuum's analyze gets to
    them PostgreSQL plans with the statistics of the tables before the load, and a common
    search sorts every match (bench/README.md). SQLite: nothing to do."""
    if not on_server():
        return
    wanted = list(tables)
    names = list(dict.fromkeys([*wanted, *(["cases_fts"] if "cases" in wanted else [])]))
    if names:
        database.execute_sql(f"ANALYZE {', '.join(names)}")


def tables_to_bulk_load(incoming: Mapping[str, int], minimum: int | None = None) -> list[str]:
    """Tables whose incoming row count (by table) is at least ``minimum`` (default
    BULK_MIN_ROWS) and larger than the rows already there."""
    if minimum is None:
        minimum = BULK_MIN_ROWS
    out = []
    for table, n in incoming.items():
        if n < minimum:
            continue
        (have,) = database.execute_sql(f"SELECT count(*) FROM {table}").fetchone()
        if n > have:
            out.append(table)
    return out


def _fts_trigger_sql(name: str, statement: str) -> str | None:
    """The SQL of a full-text insert trigger, when it does exactly what db.fts says (only
    such a trigger is replaced by the insert at the end; another one is kept, row by row).
    On the server the search table's triggers stay: it is a plain table, kept row by row."""
    if on_server():
        return None
    row = database.execute_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ? AND tbl_name = 'cases'",
        (name,),
    ).fetchone()
    if row is None or statement not in " ".join(row[0].split()):
        return None
    return row[0]


# The kept months' insert triggers, by table: (name, the statement schema 20 gave it), and
# the statement that forgets at once the months every row inserted since (id above ?)
# would have made its trigger forget.
_MONTH_TRIGGERS = {
    "cases": (
        "stats_months_case_ai",
        "DELETE FROM stats_months WHERE end_at > new.received_at AND start_at <= new.received_at;",
    ),
    "entries": (
        "stats_months_entry_ai",
        "DELETE FROM stats_months WHERE id IN (SELECT m.id FROM cases c, stats_months m "
        "WHERE c.id = new.case_id AND m.end_at > c.received_at AND m.start_at <= c.received_at);",
    ),
}
_FORGET_MONTHS = {
    "cases": "DELETE FROM stats_months WHERE EXISTS (SELECT 1 FROM cases c "
    "WHERE c.received_at >= stats_months.start_at AND c.received_at < stats_months.end_at "
    "AND c.id > ?)",
    "entries": "DELETE FROM stats_months WHERE EXISTS (SELECT 1 FROM cases c "
    "WHERE c.received_at >= stats_months.start_at AND c.received_at < stats_months.end_at "
    "AND EXISTS (SELECT 1 FROM entries e WHERE e.case_id = c.id AND e.id > ?))",
}


def _month_trigger_sql(table: str) -> str | None:
    """The SQL of the kept months' insert trigger of ``table`` when it does exactly what
    schema 20 made it do (only that one is replaced by _FORGET_MONTHS; another one is kept,
    row by row). The server's are trigger functions, kept."""
    if on_server():
        return None
    name, body = _MONTH_TRIGGERS[table]
    row = database.execute_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ? AND tbl_name = ?",
        (name, table),
    ).fetchone()
    made = f"CREATE TRIGGER {name} AFTER INSERT ON {table} BEGIN {body} END"
    if row is None or " ".join(row[0].split()) != made:
        return None
    return row[0]


# The touched cases' insert triggers, by table (schema 24), off during a bulk load.
_TOUCH_TRIGGERS = {"cases": "case_touches_case_ai", "entries": "case_touches_entry_ai"}


def _touch_trigger_sql(table: str) -> str | None:
    """The SQL of ``table``'s touched-cases insert trigger, when it is there (SQLite)."""
    row = database.execute_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ? AND tbl_name = ?",
        (_TOUCH_TRIGGERS[table], table),
    ).fetchone()
    return None if row is None else str(row[0])


# The memory of the server's index builds at the end of a bulk load.
SERVER_REBUILD_MEMORY = "256MB"

# The server's triggers a bulk load may disable: (name, table, the function it runs).
_SEARCH_TRIGGER = ("cases_fts_ai", "cases", "cases_fts_write")
_SERVER_MONTH_TRIGGERS = (
    ("stats_months_case", "cases", "stats_months_forget_case"),
    ("stats_months_entry", "entries", "stats_months_forget_entry"),
)


def _enabled_server_trigger(name: str, table: str, function: str) -> bool:
    """Whether trigger ``name`` of ``table`` is there, enabled and runs ``function`` (only
    such a trigger is replaced by the bulk load's own statements; another one stays)."""
    row = database.execute_sql(
        "SELECT p.proname, t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_proc p ON p.oid = t.tgfoid WHERE t.tgname = ? AND c.relname = ? "
        "AND c.relnamespace = current_schema()::regnamespace",
        (name, table),
    ).fetchone()
    return row is not None and row[0] == function and row[1] == "O"


class ServerTriggers:
    """The server's share of a bulk load (see the module's text): triggers disabled and
    the search index dropped now, the documents added, the index built, the triggers
    enabled and the tables analyzed by ``restore()``."""

    def __init__(self, tables: list[str], cases_before: int):
        self.tables = tables
        self.cases_before = cases_before
        self.disabled: list[tuple[str, str]] = []  # (trigger, table)
        self.search_index: list[SavedIndex] = []
        self.search = "cases" in tables and _enabled_server_trigger(*_SEARCH_TRIGGER)
        if self.search:
            self._disable(*_SEARCH_TRIGGER[:2])
            self.search_index = _plain_indexes_on_server(["cases_fts"])
            for ix in self.search_index:
                database.execute_sql(f'DROP INDEX "{ix.name}"')
        # (table, constraint, its definition): the loaded tables' foreign keys, checked
        # once over all rows by restore() instead of by a trigger per row
        self.foreign_keys: list[tuple[str, str, str]] = []
        for table in tables:
            self.foreign_keys += [
                (table, name, sql)
                for name, sql in database.execute_sql(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = ?::regclass AND contype = 'f' ORDER BY oid",
                    (table,),
                ).fetchall()
            ]
        for table, name, _sql in self.foreign_keys:
            database.execute_sql(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        self.touches_off = False
        for table, trigger in _TOUCH_TRIGGERS.items():
            function = "case_touches_case" if table == "cases" else "case_touches_entry"
            if table in tables and _enabled_server_trigger(trigger, table, function):
                self._disable(trigger, table)
                self.touches_off = True
        months = [m for m in _SERVER_MONTH_TRIGGERS if m[1] in tables]
        if months:
            database.execute_sql("LOCK TABLE stats_months IN EXCLUSIVE MODE")
            kept = database.execute_sql("SELECT EXISTS (SELECT 1 FROM stats_months)").fetchone()
            if not kept[0]:
                for name, table, function in months:
                    if _enabled_server_trigger(name, table, function):
                        self._disable(name, table)

    def _disable(self, trigger: str, table: str) -> None:
        database.execute_sql(f'ALTER TABLE "{table}" DISABLE TRIGGER "{trigger}"')
        self.disabled.append((trigger, table))

    def restore(self) -> None:
        if self.search:
            database.execute_sql(
                f"INSERT INTO cases_fts (rowid, doc) SELECT id, {fts.server_doc_sql('cases')} "
                "FROM cases WHERE id > ? ORDER BY id "
                "ON CONFLICT (rowid) DO UPDATE SET doc = excluded.doc",
                (self.cases_before,),
            )
            for ix in self.search_index:
                database.execute_sql(ix.sql)
        for trigger, table in self.disabled:
            database.execute_sql(f'ALTER TABLE "{table}" ENABLE TRIGGER "{trigger}"')
        self.disabled = []
        if self.touches_off:
            case_touches.mark_everything()
            self.touches_off = False
        for table, name, sql in self.foreign_keys:
            database.execute_sql(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {sql}')
        self.foreign_keys = []
        refresh_statistics(self.tables)


class BulkLoad:
    """Drop the plain indexes of some tables (and, with "cases", the full-text indexes' insert
    triggers; with "cases" and "entries", the kept months' insert triggers) now; ``restore()``
    rebuilds them. Call both inside one transaction (if it rolls back instead, do not call
    restore)."""

    def __init__(self, tables: Iterable[str]):
        if not database.in_transaction():
            raise RuntimeError("BulkLoad needs an open transaction")
        tables = list(tables)
        self.saved = plain_indexes(tables)
        # trigram index → the SQL of its insert trigger, dropped until restore()
        self.fts_triggers: dict[str, str] = {}
        for index in fts.TRIGRAM_INDEXES if "cases" in tables else ():
            sql = _fts_trigger_sql(
                fts.trigram_insert_trigger(index), fts.trigram_insert_trigger_row_sql(index)
            )
            if sql is not None:
                self.fts_triggers[index] = sql
        # bigram index → the SQL of its insert trigger, dropped until restore()
        self.bigram_triggers: dict[str, str] = {}
        for index in fts.BIGRAM_INDEXES if "cases" in tables else ():
            sql = _fts_trigger_sql(
                fts.bigram_insert_trigger(index), fts.bigram_insert_trigger_row_sql(index)
            )
            if sql is not None:
                self.bigram_triggers[index] = sql
        # rowids of new rows are above every existing one (INTEGER PRIMARY KEY)
        self.cases_before = database.execute_sql(
            "SELECT coalesce(max(id), 0) FROM cases"
        ).fetchone()[0]
        for index in self.fts_triggers:
            database.execute_sql(f'DROP TRIGGER "{fts.trigram_insert_trigger(index)}"')
        for index in self.bigram_triggers:
            database.execute_sql(f'DROP TRIGGER "{fts.bigram_insert_trigger(index)}"')
        # table → (its kept months' insert trigger SQL, the highest id before the load)
        self.month_triggers: dict[str, tuple[str, int]] = {}
        for table, (trigger, _body) in _MONTH_TRIGGERS.items():
            sql = _month_trigger_sql(table) if table in tables else None
            if sql is None:
                continue
            (top,) = database.execute_sql(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()
            self.month_triggers[table] = (sql, top)
            database.execute_sql(f'DROP TRIGGER "{trigger}"')
        # table → its touched-cases insert trigger's SQL, dropped until restore()
        self.touch_triggers: dict[str, str] = {}
        for table in _TOUCH_TRIGGERS if not on_server() else ():
            sql = _touch_trigger_sql(table) if table in tables else None
            if sql is not None:
                self.touch_triggers[table] = sql
                database.execute_sql(f'DROP TRIGGER "{_TOUCH_TRIGGERS[table]}"')
        for ix in self.saved:
            database.execute_sql(f'DROP INDEX "{ix.name}"')
        self.server = ServerTriggers(tables, self.cases_before) if on_server() else None

    def restore(self) -> None:
        if self.server is not None:
            # the memory each index build may use, above the 64 MB default (the search
            # index of a whole office's cases is built at once); for this transaction only
            database.execute_sql(f"SET LOCAL maintenance_work_mem = '{SERVER_REBUILD_MEMORY}'")
        for ix in self.saved:
            database.execute_sql(ix.sql)
        self.saved = []
        if self.server is not None:
            self.server.restore()
            self.server = None
        for index, sql in self.fts_triggers.items():
            fts.index_cases_after(self.cases_before, index)
            database.execute_sql(sql)
        self.fts_triggers = {}
        for index, sql in self.bigram_triggers.items():
            fts.index_bigrams_after(index, self.cases_before)
            database.execute_sql(sql)
        self.bigram_triggers = {}
        # after the indexes: the forgetting reads cases by received time, entries by case
        for table, (sql, top) in self.month_triggers.items():
            database.execute_sql(_FORGET_MONTHS[table], (top,))
            database.execute_sql(sql)
        self.month_triggers = {}
        if self.touch_triggers:
            for sql in self.touch_triggers.values():
                database.execute_sql(sql)
            case_touches.mark_everything()
            self.touch_triggers = {}

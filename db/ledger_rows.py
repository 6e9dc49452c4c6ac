"""The data tables (cases, entries, sanctions) as the Excel ledger reads and writes them.

A record is read as a dict of the keys asked for, each value decoded as its model field
says (times as aware datetimes, dates as dates, yes/no as bools, the rest as stored).
Some keys are not columns of the table: "case_uid" and "case_number" (the record's case);
"fingerprint", the version last applied here from a ledger as "revision:fingerprint"
text (None when there is none); and of a case "signed_sheets", the sheets printed here for
it as stored text ("A|<returned at>;B|", in print order; None when none was printed), and
"sheets_missing", how many are not back.

Writes take values already in their stored form (text times, ISO dates, 0/1), in the
order of the column names given with them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

import peewee as pw

from db.bulk import copy_in
from db.fields import AwareDateTimeField, IsoDateField
from db.models import Case, Entry, Sanction, database, on_server
from db.timeutil import date_from_db, from_db, to_db

MODELS: dict[str, type[pw.Model]] = {"cases": Case, "entries": Entry, "sanctions": Sanction}
# Keys per IN (...) list, under SQLite's limit on the parameters of one statement.
IN_CHUNK = 500

Decoder = Callable[[Any], Any]


def decoder(table: str, key: str) -> Decoder | None:
    """How a stored value of ``key`` becomes its Python value (None: as stored)."""
    field = MODELS[table]._meta.fields.get(key)
    if isinstance(field, AwareDateTimeField):
        return from_db
    if isinstance(field, IsoDateField):
        return date_from_db
    if isinstance(field, pw.BooleanField):
        return bool
    return None


# The sheets printed here for case t (its notices too), but a deleted sanction's notice
# (nobody will sign it): the ledger's 签字单回收 and 签字单未回收.
_SHEETS = (
    "p.case_id = t.id AND NOT EXISTS "
    "(SELECT 1 FROM sanctions s WHERE s.id = p.sanction_id AND s.deleted = 1)"
)


def _select_sql(table: str, keys: Sequence[str], *, with_id: bool = False) -> str:
    parts = []
    for k in keys:
        if k == "fingerprint":
            parts.append(
                "(SELECT b.revision || ':' || b.fingerprint FROM ledger_base b "
                "WHERE b.uid = t.uid AND b.fingerprint <> '')"
            )
        elif k == "case_uid":
            parts.append("(SELECT c.uid FROM cases c WHERE c.id = t.case_id)")
        elif k == "case_number":
            parts.append("(SELECT c.number FROM cases c WHERE c.id = t.case_id)")
        elif k == "signed_sheets":
            sheet = "p.form || '|' || coalesce(CAST(p.signed_returned_at AS TEXT), '')"
            if on_server():  # PostgreSQL orders inside the aggregate
                parts.append(
                    f"(SELECT string_agg({sheet}, ';' ORDER BY p.printed_at, p.id) "
                    f"FROM printed_forms p WHERE {_SHEETS})"
                )
            else:  # SQLite's group_concat keeps the order of its subquery
                parts.append(
                    f"(SELECT group_concat(s, ';') FROM (SELECT {sheet} AS s "
                    f"FROM printed_forms p WHERE {_SHEETS} ORDER BY p.printed_at, p.id))"
                )
        elif k == "sheets_missing":
            parts.append(
                "(SELECT sum(CASE WHEN p.signed_returned_at IS NULL THEN 1 ELSE 0 END) "
                f"FROM printed_forms p WHERE {_SHEETS})"
            )
        else:
            parts.append(f't."{k}"')
    if with_id:
        parts.append("t.id")
    return f"SELECT {', '.join(parts)} FROM {table} t"


class _Rows:
    """The SELECT of ``keys`` from ``table`` and the decoding of its rows."""

    def __init__(self, table: str, keys: Sequence[str], *, with_id: bool = False):
        self.keys = tuple(keys)
        self.decoders = tuple(decoder(table, k) for k in self.keys)
        self.sql = _select_sql(table, self.keys, with_id=with_id)

    def record(self, row: Sequence[Any]) -> dict[str, Any]:
        return {
            k: v if d is None else d(v)
            for k, d, v in zip(self.keys, self.decoders, row, strict=True)
        }


def record(table: str, keys: Sequence[str], uid: str) -> dict[str, Any] | None:
    """The record ``uid`` of ``table``, or None."""
    rows = _Rows(table, keys)
    row = database.execute_sql(rows.sql + " WHERE t.uid = ?", (uid,)).fetchone()
    return None if row is None else rows.record(row)


def _filter(
    table: str, sites: Sequence[str] | None, since: datetime | None
) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if sites:
        marks = ",".join("?" * len(sites))
        # A record of another site edited here goes with the sites' own (an edit made at a
        # site that does not own the record must reach its owner): modified here after the
        # version last applied from a ledger came in (its 最后修改时间 is no longer the one
        # applied).
        edited = (
            "EXISTS (SELECT 1 FROM ledger_base b WHERE b.uid = t.uid "
            "AND b.record_modified_at IS NOT t.modified_at)"
        )
        if table == "cases":
            where.append(f"(t.site IN ({marks}) OR {edited})")
            params += list(sites)
        else:
            where.append(
                f"(t.site IN ({marks}) OR t.case_id IN "
                f"(SELECT id FROM cases WHERE site IN ({marks})) OR {edited})"
            )
            params += list(sites) * 2
    if since is not None:
        stamp = to_db(since)
        where.append(
            "(t.modified_at >= ? OR t.uid IN (SELECT uid FROM ledger_base WHERE applied_at >= ?))"
        )
        params += [stamp, stamp]
    return where, params


def count_records(table: str, *, sites: Sequence[str] | None, since: datetime | None) -> int:
    """How many records iter_records yields for the same arguments (in one transaction)."""
    where, params = _filter(table, sites, since)
    sql = f"SELECT count(*) FROM {table} t" + (f" WHERE {' AND '.join(where)}" if where else "")
    return database.execute_sql(sql, params).fetchone()[0]


def iter_records(
    table: str,
    keys: Sequence[str],
    *,
    sites: Sequence[str] | None,
    since: datetime | None,
    batch: int = 2000,
) -> Iterator[dict[str, Any]]:
    """Every record of ``table`` owned by ``sites`` (all when None), or - for entries and
    sanctions - belonging to a case of those sites, or edited here since it came from a
    ledger; with ``since``, only those changed here (modified, or applied from a ledger)
    at or after that time. Streamed in id order, ``batch`` rows per query."""
    rows = _Rows(table, keys, with_id=True)
    where, params = _filter(table, sites, since)
    clauses = " AND ".join([*where, "t.id > ?"])
    last = 0
    while True:
        found = database.execute_sql(
            f"{rows.sql} WHERE {clauses} ORDER BY t.id LIMIT {batch}", (*params, last)
        ).fetchall()
        if not found:
            return
        for row in found:
            yield rows.record(row[:-1])
        last = found[-1][-1]


def iter_own_revised(
    table: str, keys: Sequence[str], site: str, since: str | None, *, batch: int = 2000
) -> Iterator[list[dict[str, Any]]]:
    """The records of ``site`` past their first revision, saved at or after ``since``
    (stored time text; None: all), in lists of up to ``batch``."""
    rows = _Rows(table, keys)
    sql = rows.sql + " WHERE t.site = ? AND t.revision > 1"
    params: list[Any] = [site]
    if since:
        sql += " AND t.modified_at >= ?"
        params.append(since)
    cur = database.execute_sql(sql, params)
    while found := cur.fetchmany(batch):
        yield [rows.record(row) for row in found]


def count_uids(table: str, uids: Sequence[str]) -> int:
    """How many of ``uids`` exist in ``table``."""
    n = 0
    for i in range(0, len(uids), IN_CHUNK):
        chunk = uids[i : i + IN_CHUNK]
        n += database.execute_sql(
            f"SELECT count(*) FROM {table} WHERE uid IN ({','.join('?' * len(chunk))})", chunk
        ).fetchone()[0]
    return n


def _select_in(sql: str, keys: Sequence[Any], before: tuple[Any, ...] = ()) -> list[tuple]:
    """Rows of ``sql`` (with ``{}`` where the IN list goes, after the ``before``
    parameters) for ``keys``, IN_CHUNK keys per query."""
    out: list[tuple] = []
    for i in range(0, len(keys), IN_CHUNK):
        chunk = keys[i : i + IN_CHUNK]
        out += database.execute_sql(
            sql.format(",".join("?" * len(chunk))), (*before, *chunk)
        ).fetchall()
    return out


def any_uid(table: str, uids: Sequence[str]) -> bool:
    """Whether any of ``uids`` is in ``table``."""
    return bool(_select_in(f"SELECT uid FROM {table} WHERE uid IN ({{}})", uids))


def empty_tables(tables: Sequence[str]) -> list[str]:
    """Those of ``tables`` that hold no row."""
    return [
        t
        for t in tables
        if not database.execute_sql(f"SELECT EXISTS (SELECT 1 FROM {t})").fetchone()[0]
    ]


# --- cases by uid and by number --------------------------------------------------------------


def case_id(uid: str) -> int | None:
    row = database.execute_sql("SELECT id FROM cases WHERE uid = ?", (uid,)).fetchone()
    return None if row is None else row[0]


def case_ids(uids: Sequence[str]) -> list[tuple[str, int]]:
    """(uid, id) of those of ``uids`` that are cases here."""
    return _select_in("SELECT uid, id FROM cases WHERE uid IN ({})", uids)


def numbers_taken(site: str, numbers: Sequence[str]) -> list[tuple[str, str]]:
    """(编号, uid) of the cases of ``site`` holding one of ``numbers``."""
    return _select_in(
        "SELECT number, uid FROM cases WHERE site = ? AND number IN ({})", numbers, (site,)
    )


def number_holder(site: str, number: str, uid: str) -> str | None:
    """The uid of a case of ``site`` other than ``uid`` with the 编号 ``number``."""
    row = database.execute_sql(
        "SELECT uid FROM cases WHERE site = ? AND number = ? AND uid <> ?", (site, number, uid)
    ).fetchone()
    return None if row is None else row[0]


# --- writes -------------------------------------------------------------------------------------


def insert_sql(table: str, names: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"


def insert(table: str, names: Sequence[str], values: Sequence[Any]) -> None:
    database.execute_sql(insert_sql(table, names), values)


def insert_many(table: str, names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    if on_server():
        copy_in(table, names, rows)
        return
    database.cursor().executemany(insert_sql(table, names), rows)


def update(table: str, uid: str, names: Sequence[str], values: Sequence[Any]) -> None:
    """Set the columns ``names`` of the record ``uid`` to ``values``."""
    sets = ", ".join(f"{n} = ?" for n in names)
    database.execute_sql(f"UPDATE {table} SET {sets} WHERE uid = ?", (*values, uid))


def modified_at_text(table: str, uid: str) -> str | None:
    """The stored 最后修改时间 of the record ``uid`` (None when it is not here)."""
    row = database.execute_sql(f"SELECT modified_at FROM {table} WHERE uid = ?", (uid,)).fetchone()
    return row[0] if row else None

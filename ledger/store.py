"""The database side of the ledger: records as ledger values, streamed for export,
and the canonical digest that tells whether a record's values changed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from db.models import Case, Entry, Sanction, database
from db.timeutil import date_from_db, from_db, to_db
from ledger import columns as C
from ledger.columns import Column, Kind

MODELS = {"cases": Case, "entries": Entry, "sanctions": Sanction}
# Keys left out of the digest: the revision is compared on its own, and
# 最后修改时间 is "for people, not for ordering" (ledger.md).
_NOT_DIGESTED = {"revision", "modified_at"}
# Yes/no columns added after digests were first stored: digested only when yes, so a record
# without them (every earlier one) keeps the digest it always had.
_DIGESTED_WHEN_YES = {"settled_on_site"}


def fast_to_db(v: datetime) -> str:
    """db.timeutil.to_db, without strftime when isoformat gives the same text."""
    if v.tzinfo is not None:
        u = v.astimezone(UTC)
        if not u.microsecond and u.year >= 1000:
            return u.isoformat()  # "YYYY-MM-DDTHH:MM:SS+00:00", as to_db's format
    return to_db(v)


_DIGEST_PLAN = {
    sheet: tuple((c.key, c.kind in (Kind.BOOL, Kind.DELETED)) for c in cols
                 if c.key not in _NOT_DIGESTED and not c.derived)
    for sheet, cols in C.SHEET_COLUMNS.items()
}


def _compile_digest(sheet: str):
    """The digest of one sheet written out as straight-line code (one expression per
    column, no loop): called for every imported record."""
    ns: dict[str, Any] = {"sha1": hashlib.sha1, "datetime": datetime,
                          "fast_to_db": fast_to_db, "_canon_value": _canon_value}
    lines = ["def digest(values):", "    get = values.get", "    parts = ["]
    for key, yes_no in _DIGEST_PLAN[sheet]:
        if key in _DIGESTED_WHEN_YES:
            lines.append(f"        *(('1',) if get({key!r}) else ()),")
            continue
        blank = f"'' if (v := get({key!r})) is None or v == '' else "
        if yes_no:
            lines.append(f"        {blank}('1' if v else '0'),")
        else:
            lines.append(f"        {blank}v if v.__class__ is str else fast_to_db(v) "
                         "if v.__class__ is datetime else _canon_value(v),")
    lines += ["    ]", "    return sha1('\\x1f'.join(parts).encode('utf-8')).hexdigest()"]
    exec(compile("\n".join(lines), f"<digest {sheet}>", "exec"), ns)  # noqa: S102
    return ns["digest"]


def digest_of(sheet: str):
    """digest(sheet, ·) as a one-argument function (for loops over many records)."""
    return _DIGESTS[sheet]


def digest(sheet: str, values: Mapping[str, Any]) -> str:
    """SHA-1 of the record's canonical values (see _canon), the same text forever: stored
    digests (ledger_base, conflicts) are compared with new ones."""
    return _DIGESTS[sheet](values)


def _canon_value(v: Any) -> str:
    if isinstance(v, datetime):
        return to_db(v) or ""
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


_DIGESTS = {sheet: _compile_digest(sheet) for sheet in _DIGEST_PLAN}


def _canon(col: Column, v: Any) -> str:
    """The canonical text of one value (what digest() joins; kept as the reference)."""
    if v is None or v == "":
        return ""
    if col.kind in (Kind.BOOL, Kind.DELETED):
        return "1" if v else "0"
    return _canon_value(v)


def to_json(sheet: str, values: Mapping[str, Any]) -> str:
    out = {}
    for col in C.SHEET_COLUMNS[sheet]:
        v = values.get(col.key)
        if isinstance(v, (datetime, date)):
            v = v.isoformat()
        out[col.key] = v
    return json.dumps(out, ensure_ascii=False)


def from_json(sheet: str, text: str) -> dict[str, Any]:
    raw = json.loads(text)
    out = {}
    for col in C.SHEET_COLUMNS[sheet]:
        v = raw.get(col.key)
        if v is not None and col.kind in (Kind.DATETIME, Kind.STAMP):
            v = datetime.fromisoformat(v)
        elif v is not None and col.kind is Kind.DATE:
            v = date.fromisoformat(v)
        out[col.key] = v
    return out


# --- reading records as ledger values --------------------------------------------------------

def _select_sql(table: str, *, with_id: bool = False) -> tuple[str, list[str]]:
    """SQL selecting a table's ledger columns (with the case's uid), and their keys."""
    cols = C.SHEET_COLUMNS[C.TABLE_SHEET[table]]
    keys = [c.key for c in cols]
    parts = []
    for k in keys:
        if k == "case_uid":
            parts.append("(SELECT c.uid FROM cases c WHERE c.id = t.case_id)")
        elif k == "case_number":
            parts.append("(SELECT c.number FROM cases c WHERE c.id = t.case_id)")
        else:
            parts.append(f't."{k}"')
    if with_id:
        parts.append("t.id")
    return f"SELECT {', '.join(parts)} FROM {table} t", keys


def _convert(cols: Sequence[Column], row: Sequence[Any]) -> dict[str, Any]:
    out = {}
    for col, v in zip(cols, row, strict=True):
        if col.kind in (Kind.DATETIME, Kind.STAMP):
            v = from_db(v)
        elif col.kind is Kind.DATE:
            v = date_from_db(v)
        elif col.kind in (Kind.BOOL, Kind.DELETED):
            v = bool(v)
        out[col.key] = v
    return out


def local_values(table: str, uid: str) -> dict[str, Any] | None:
    sql, _ = _select_sql(table)
    row = database.execute_sql(sql + " WHERE t.uid = ?", (uid,)).fetchone()
    if row is None:
        return None
    return _convert(C.SHEET_COLUMNS[C.TABLE_SHEET[table]], row)


def _filter(table: str, sites: Sequence[str] | None, since: datetime | None
            ) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if sites:
        marks = ",".join("?" * len(sites))
        if table == "cases":
            where.append(f"t.site IN ({marks})")
            params += list(sites)
        else:
            where.append(f"(t.site IN ({marks}) OR t.case_id IN "
                         f"(SELECT id FROM cases WHERE site IN ({marks})))")
            params += list(sites) * 2
    if since is not None:
        stamp = to_db(since)
        where.append("(t.modified_at >= ? OR t.uid IN "
                     "(SELECT uid FROM ledger_base WHERE applied_at >= ?))")
        params += [stamp, stamp]
    return where, params


def count_records(table: str, *, sites: Sequence[str] | None, since: datetime | None) -> int:
    """How many rows iter_records will yield (call in the same transaction)."""
    where, params = _filter(table, sites, since)
    sql = f"SELECT count(*) FROM {table} t" + (f" WHERE {' AND '.join(where)}" if where else "")
    return database.execute_sql(sql, params).fetchone()[0]


def iter_records(table: str, *, sites: Sequence[str] | None, since: datetime | None,
                 batch: int = 2000) -> Iterator[dict[str, Any]]:
    """Every record of ``table`` owned by ``sites`` (all when None), or - for entries and
    sanctions - belonging to a case of those sites; with ``since``, only those changed here
    (modified, or applied from another ledger) after that time. Streamed in id order."""
    base, _ = _select_sql(table, with_id=True)
    cols = C.SHEET_COLUMNS[C.TABLE_SHEET[table]]
    where, params = _filter(table, sites, since)
    last = 0
    while True:
        clauses = where + ["t.id > ?"]
        rows = database.execute_sql(
            f"{base} WHERE {' AND '.join(clauses)} ORDER BY t.id LIMIT {batch}",
            (*params, last)).fetchall()
        if not rows:
            return
        for row in rows:
            yield _convert(cols, row[:-1])
        last = rows[-1][-1]


def count_uids(table: str, uids: Sequence[str]) -> int:
    """How many of ``uids`` exist in ``table`` (for the after-import comparison)."""
    n = 0
    for i in range(0, len(uids), 500):
        chunk = uids[i:i + 500]
        n += database.execute_sql(
            f"SELECT count(*) FROM {table} WHERE uid IN ({','.join('?' * len(chunk))})",
            chunk).fetchone()[0]
    return n

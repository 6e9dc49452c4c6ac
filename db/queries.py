"""The queries the case list needs: ids in order (cheap), then rows by page.

Full-text search uses the trigram FTS5 index for 3+ characters; shorter text
searches the base table, since a trigram index cannot answer it (and LIKE against
the FTS table returns nothing for short non-ASCII patterns on SQLite 3.40).
"""

from __future__ import annotations

from collections.abc import Sequence

from complaints.query import NEWEST_FIRST, CaseFilter, Sort
from db import reads
from db.timeutil import to_db

# Plain SQL through db.reads, no peewee: the case list's first screenful is read before
# peewee is imported (issue 2 §8).

SEARCH_COLUMNS = ("number", "customer_name", "phone", "vin", "plate", "content")


def _fts_phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _where(f: CaseFilter) -> tuple[list[str], list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    if not f.include_deleted:
        clauses.append("c.deleted = 0")
    for column, values in (("state", f.states), ("channel", f.channels), ("kind", f.kinds),
                           ("severity", f.severities), ("department", f.departments),
                           ("site", f.sites)):
        if values:
            clauses.append(f"c.{column} IN ({','.join('?' * len(values))})")
            params.extend(sorted(values))
    if f.received_from is not None:
        clauses.append("c.received_at >= ?")
        params.append(to_db(f.received_from))
    if f.received_to is not None:
        clauses.append("c.received_at < ?")
        params.append(to_db(f.received_to))
    text = f.text.strip()
    if text:
        if len(text) >= 3:
            clauses.append("c.id IN (SELECT rowid FROM cases_fts WHERE cases_fts MATCH ?)")
            params.append(_fts_phrase(text))
        else:
            pattern = f"%{_escape_like(text)}%"
            clauses.append("(" + " OR ".join(
                f"c.{col} LIKE ? ESCAPE '\\'" for col in SEARCH_COLUMNS) + ")")
            params.extend([pattern] * len(SEARCH_COLUMNS))
    return clauses, params


def case_ids(f: CaseFilter, sort: Sort = NEWEST_FIRST, limit: int | None = None) -> list[int]:
    """The ids of every matching case, in display order."""
    clauses, params = _where(f)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    direction = "DESC" if sort.descending else "ASC"
    sql = (f"SELECT c.id FROM cases c {where} "
           f"ORDER BY c.{sort.column} {direction}, c.id {direction}")
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [r[0] for r in reads.execute(sql, params)]


def case_count(f: CaseFilter) -> int:
    clauses, params = _where(f)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    return reads.execute(f"SELECT count(*) FROM cases c {where}", params).fetchone()[0]


def case_rows(ids: Sequence[int], columns: Sequence[str]) -> dict[int, tuple]:
    """Raw column values (as stored) of the given cases, keyed by id."""
    if not ids:
        return {}
    cols = ", ".join(f"c.{c}" for c in columns)
    out: dict[int, tuple] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start:start + 500])
        sql = f"SELECT c.id, {cols} FROM cases c WHERE c.id IN ({','.join('?' * len(chunk))})"
        for row in reads.execute(sql, chunk):
            out[row[0]] = row[1:]
    return out

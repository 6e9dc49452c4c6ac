"""The queries the case list needs: ids in order (cheap), then rows by page.

Full-text search uses the trigram FTS5 indexes (the case's text, the customer's name and
phone) for 3+ characters; shorter text searches the base table, since a trigram index cannot
answer it (and LIKE against the FTS table returns nothing for short non-ASCII patterns on
SQLite 3.40).
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence

from complaints.query import NEWEST_FIRST, CaseFilter, Sort
from db.fts import BIGRAM_INDEXES, TRIGRAM_INDEXES
from db.models import database, on_server
from db.timeutil import to_db

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
    for column, values in (
        ("state", f.states),
        ("channel", f.channels),
        ("kind", f.kinds),
        ("severity", f.severities),
        ("department", f.departments),
        ("site", f.sites),
    ):
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
    if text and on_server():
        # pg_trgm's GIN index answers LIKE '%…%' from 3 characters; shorter text reads the
        # index table, which is small (one document per case)
        clauses.append("c.id IN (SELECT rowid FROM cases_fts WHERE doc LIKE ? ESCAPE '\\')")
        params.append(f"%{_escape_like(text)}%")
    elif text:
        if len(text) >= 3:
            clauses.append(TRIGRAM_CLAUSE)
            params.extend([_fts_phrase(text)] * len(TRIGRAM_INDEXES))
        else:
            pattern = f"%{_escape_like(text)}%"
            clauses.append(
                "(" + " OR ".join(f"c.{col} LIKE ? ESCAPE '\\'" for col in SEARCH_COLUMNS) + ")"
            )
            params.extend([pattern] * len(SEARCH_COLUMNS))
    return clauses, params


# The newest cases a short search looks through first, at least (see _top_newest): a
# twentieth of them when more.
SHORT_WINDOW = 20_000


def case_ids(f: CaseFilter, sort: Sort = NEWEST_FIRST, limit: int | None = None) -> list[int]:
    """The ids of every matching case, in display order."""
    text = f.text.strip()
    if limit is not None and text and sort.column == "received_at" and sort.descending:
        # The search box's top N: the same N ids, fast at 1M cases.
        return _top_newest(f, text, int(limit))
    return _case_ids(f, sort, limit)


def case_id_array(f: CaseFilter, sort: Sort = NEWEST_FIRST) -> array[int]:
    """The ids of every matching case, in display order, 8 bytes each (a list of a million
    ids holds a million int objects: ~36 MB against 8 MB)."""
    sql, params = _ids_sql(f, sort, None)
    out: array[int] = array("q")
    cursor = database.execute_sql(sql, params)
    while rows := cursor.fetchmany(10_000):
        out.extend(r[0] for r in rows)
    return out


def _case_ids(
    f: CaseFilter,
    sort: Sort,
    limit: int | None,
    extra: str = "",
    extra_params: Sequence[object] = (),
    indexed_by: str = "",
) -> list[int]:
    sql, params = _ids_sql(f, sort, limit, extra, extra_params, indexed_by)
    return [r[0] for r in database.execute_sql(sql, params)]


def _ids_sql(
    f: CaseFilter,
    sort: Sort,
    limit: int | None,
    extra: str = "",
    extra_params: Sequence[object] = (),
    indexed_by: str = "",
) -> tuple[str, list[object]]:
    clauses, params = _where(f)
    if extra:
        clauses.append(extra)
        params.extend(extra_params)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    direction = "DESC" if sort.descending else "ASC"
    sql = (
        f"SELECT c.id FROM cases c {indexed_by} {where} "
        f"ORDER BY c.{sort.column} {direction}, c.id {direction}"
    )
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return sql, params


def _top_newest(f: CaseFilter, text: str, limit: int) -> list[int]:
    """The newest ``limit`` cases matching ``f`` (text included), newest first: the same ids
    as the plain query, read the way that stays fast with a million cases."""
    if on_server():  # PostgreSQL's planner chooses between the date index and the search
        return _case_ids(f, NEWEST_FIRST, limit)
    total = database.execute_sql("SELECT max(rowid) FROM cases").fetchone()[0] or 0
    # A common text matches tens of thousands of cases, each then read for its date and
    # sorted (~0.4 s at 1M). Walking the received-time index newest first and keeping the
    # matches stops after the first ``limit``: about limit × cases ÷ matches steps, worth it
    # once the matches are many (counted by a full-text index alone: the trigram one from 3
    # characters, the two bigram ones for 1-2; each kind is two indexes, the customer's and
    # the case's, their counts added: the count may include a case twice, and the bigram
    # count cases that the columns' LIKE then leaves out).
    phrase: str | None = _fts_phrase(text) if len(text) >= 3 else bigram_query(text)
    indexes = tuple(TRIGRAM_INDEXES) if len(text) >= 3 else BIGRAM_INDEXES
    if phrase is not None:
        matches = sum(
            database.execute_sql(
                f"SELECT count(*) FROM {index} WHERE {index} MATCH ?", [phrase]
            ).fetchone()[0]
            for index in indexes
        )
        if matches * matches > 25 * limit * total / 100:
            return _case_ids(f, NEWEST_FIRST, limit, indexed_by="INDEXED BY cases_received")
        if len(text) >= 3:
            return _case_ids(f, NEWEST_FIRST, limit)
        return _case_ids(f, NEWEST_FIRST, limit, BIGRAM_CLAUSE, [phrase] * len(BIGRAM_INDEXES))
    if not _has_search_text():
        return _case_ids(f, NEWEST_FIRST, limit)
    # Shorter than a trigram, and characters the bigram index does not answer: LIKE, which
    # reads every case row when few match (1.2 s at 1M with no match). First the newest
    # SHORT_WINDOW cases (or a twentieth of all), which hold the answer whenever the text is
    # not rare; otherwise every case's searched text from the trigram indexes' own copies
    # (<index>_content: the case's four columns, the customer's two, each joined by
    # newlines, as the triggers keep them), a tenth of the rows' size, and the columns
    # themselves only of the cases found there.
    floor = database.execute_sql(
        "SELECT received_at FROM cases ORDER BY received_at DESC LIMIT 1 OFFSET ?",
        [max(SHORT_WINDOW, total // 20) - 1],
    ).fetchone()
    if floor is None:  # a small database: the plain query is quick
        return _case_ids(f, NEWEST_FIRST, limit)
    top = _case_ids(f, NEWEST_FIRST, limit, "c.received_at >= ?", [floor[0]])
    if len(top) >= limit:
        return top
    pattern = f"%{_escape_like(text)}%"
    return _case_ids(
        f,
        NEWEST_FIRST,
        limit,
        "c.id IN ("
        + " UNION ALL ".join(
            f"SELECT id FROM {index}_content WHERE c0 LIKE ? ESCAPE '\\'"
            for index in TRIGRAM_INDEXES
        )
        + ")",
        [pattern] * len(TRIGRAM_INDEXES),
    )


# The cases whose document in either trigram index (the case's, the customer's) holds the
# phrase: those with the text in one of the six columns (the phrase once per index).
TRIGRAM_CLAUSE = (
    "c.id IN ("
    + " UNION ALL ".join(
        f"SELECT rowid FROM {index} WHERE {index} MATCH ?" for index in TRIGRAM_INDEXES
    )
    + ")"
)


# The cases whose entry in either bigram index (the customer's, the case's) holds a token (a
# superset of those containing the text: the caller's LIKE keeps the true matches); the
# token once per index.
BIGRAM_CLAUSE = (
    "c.id IN ("
    + " UNION ALL ".join(
        f"SELECT rowid FROM {index} WHERE {index} MATCH ?" for index in BIGRAM_INDEXES
    )
    + ")"
)

# The characters whose 1-2 character texts the bigram index answers: those its tokenizer
# (FTS5 unicode61, Unicode 6.1 tables) keeps as token characters in every SQLite, so a
# text of them is one token. Anything else (punctuation, spaces, rarer scripts) is searched
# without it.
_BIGRAM_RANGES = (
    ("0", "9"),
    ("A", "Z"),
    ("a", "z"),
    ("\u3400", "\u4db5"),  # CJK Unified Ideographs Extension A
    ("\u4e00", "\u9fcc"),  # CJK Unified Ideographs (as of Unicode 6.1)
)


def bigram_query(text: str) -> str | None:
    """The FTS5 query of the bigram indexes that names every case containing ``text`` (1 or 2
    characters: the bigram itself, or every bigram starting with the one character), or None
    when the index cannot answer it."""
    if not 1 <= len(text) <= 2 or not all(
        any(low <= ch <= high for low, high in _BIGRAM_RANGES) for ch in text
    ):
        return None
    return f'"{text}"' if len(text) == 2 else f'"{text}" *'


def _has_search_text() -> bool:
    """The trigram indexes keep their own copies of the searched text (FTS5 tables with
    content, as schema 25 makes them)."""
    names = [f"{index}_content" for index in TRIGRAM_INDEXES]
    (found,) = database.execute_sql(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
        f"AND name IN ({', '.join('?' * len(names))})",
        names,
    ).fetchone()
    return found == len(names)


def case_count(f: CaseFilter) -> int:
    clauses, params = _where(f)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    return database.execute_sql(f"SELECT count(*) FROM cases c {where}", params).fetchone()[0]


def case_rows(ids: Sequence[int], columns: Sequence[str]) -> dict[int, tuple]:
    """Raw column values (as stored) of the given cases, keyed by id."""
    if not ids:
        return {}
    cols = ", ".join(f"c.{c}" for c in columns)
    out: dict[int, tuple] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        sql = f"SELECT c.id, {cols} FROM cases c WHERE c.id IN ({','.join('?' * len(chunk))})"
        for row in database.execute_sql(sql, chunk):
            out[row[0]] = row[1:]
    return out

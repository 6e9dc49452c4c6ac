"""The full-text indexes over cases: what they hold for one case.

SQLite (schema 25): two trigram indexes, cases_fts (the case's number, VIN, plate and
content) and cases_customer_fts (the customer's name and phone), and two bigram indexes of
the same split, cases_bigram_case and cases_bigram_customer (schema 23). The office server
(PostgreSQL) keeps one search table, cases_fts, of all six columns (SERVER_DOC_SQL).

The schema's triggers (db/migrations) keep them up to date row by row; the checks compare
them with these documents and rebuild them from them, and a bulk load fills them with them at
the end. The documents here must build the same text as the triggers do (tests/db/test_fts.py,
tests/db/test_trigram_split.py): a stored document that differs from it reads as a stale
index.
"""

from __future__ import annotations

from db.models import database

# The document of cases_fts for one case row, as SQL over the row aliased {r}: its number,
# VIN, plate and content, an empty string for each NULL, one per line.
FTS_DOC_SQL = (
    "coalesce({r}.number,'') || char(10) || coalesce({r}.vin,'') || char(10) || "
    "coalesce({r}.plate,'') || char(10) || coalesce({r}.content,'')"
)
# The document of cases_customer_fts: the customer's name and phone, likewise.
CUSTOMER_DOC_SQL = "coalesce({r}.customer_name,'') || char(10) || coalesce({r}.phone,'')"
# The server's search document (pg0014_baseline): the six columns in one.
SERVER_DOC_SQL = (
    "coalesce({r}.number,'') || char(10) || coalesce({r}.customer_name,'') || char(10) || "
    "coalesce({r}.phone,'') || char(10) || coalesce({r}.vin,'') || char(10) || "
    "coalesce({r}.plate,'') || char(10) || coalesce({r}.content,'')"
)

# The trigram indexes (schema 25, db/migrations/m0025_trigram_split.py) → their document.
TRIGRAM_INDEXES = {"cases_fts": FTS_DOC_SQL, "cases_customer_fts": CUSTOMER_DOC_SQL}


def trigram_insert_trigger(index: str) -> str:
    """The name of the insert trigger of the trigram index ``index``."""
    return f"{index}_ai"


def trigram_insert_trigger_row_sql(index: str) -> str:
    """The statement the insert trigger of the trigram index ``index`` runs, its whitespace
    collapsed."""
    doc = TRIGRAM_INDEXES[index].format(r="new")
    return " ".join(f"INSERT INTO {index} (rowid, doc) VALUES (new.id, {doc});".split())


# The bigram indexes (schema 23, db/migrations/m0023_bigram_split.py): the customer's
# (name, phone) and the case's (number, VIN, plate, content), each an FTS5 table whose
# documents come from its view <index>_docs.
BIGRAM_INDEXES = ("cases_bigram_customer", "cases_bigram_case")
# Each bigram index → the text its view cuts into pieces, as SQL over the case row aliased {r}
# (the same fields as the trigram index of the same split).
BIGRAM_TEXT_SQL = {"cases_bigram_customer": CUSTOMER_DOC_SQL, "cases_bigram_case": FTS_DOC_SQL}
# The SQL name of bigram_pieces on the connection of a bulk load's end
_PIECES_FUNCTION = "cd_bigram_pieces"


def bigram_pieces(text: str | None) -> str | None:
    """Every two-character piece of ``text`` and its last character alone, in order, one
    space apart: the tokens of the document the view <index>_docs writes for it
    (m0023_bigram_split: the same pieces, 16 at a time in a recursive SQL expression, with
    empty pieces past the end, which the tokenizer reads as more space). Python slices
    count code points as SQLite's substr counts characters. None for a text holding a NUL
    character, which SQLite's string functions treat as its end: the view's own document
    serves there."""
    if text is None or "\0" in text:
        return None
    return " ".join([text[i : i + 2] for i in range(len(text))])


def bigram_insert_trigger(index: str) -> str:
    """The name of the insert trigger of the bigram index ``index``."""
    return f"{index}_ai"


def bigram_insert_trigger_row_sql(index: str) -> str:
    """The statement the insert trigger of the bigram index ``index`` runs, its whitespace
    collapsed."""
    return (
        f"INSERT INTO {index} (rowid, doc) "
        f"SELECT rowid, doc FROM {index}_docs WHERE rowid = new.id;"
    )


def doc_sql(alias: str, index: str = "cases_fts") -> str:
    """The document of the trigram index ``index`` over the case row named ``alias``."""
    return TRIGRAM_INDEXES[index].format(r=alias)


def server_doc_sql(alias: str) -> str:
    """SERVER_DOC_SQL over the case row named ``alias``."""
    return SERVER_DOC_SQL.format(r=alias)


def index_cases_after(last_id: int, index: str = "cases_fts") -> None:
    """Add to the trigram index ``index`` the documents of the cases whose id is above
    ``last_id``, in id order."""
    database.execute_sql(
        f"INSERT INTO {index} (rowid, doc) SELECT id, {doc_sql('cases', index)} "
        "FROM cases WHERE id > ? ORDER BY id",
        (last_id,),
    )


def index_bigrams_after(index: str, last_id: int) -> None:
    """Add to the bigram index ``index`` the documents of the cases whose id is above
    ``last_id`` and that it does not hold yet (one updated during a bulk load was added by
    the update trigger), in id order. The documents are cut by bigram_pieces, not read
    from the view: the same tokens (FTS5's integrity-check compares them with the view's;
    the checks run it), for a fifth of the view's cost (its recursive expression is 4 of a
    100,000-case import's 5 seconds here)."""
    database.connection().create_function(_PIECES_FUNCTION, 1, bigram_pieces, deterministic=True)
    text = BIGRAM_TEXT_SQL[index].format(r="cases")
    database.execute_sql(
        f"INSERT INTO {index} (rowid, doc) SELECT id, coalesce({_PIECES_FUNCTION}({text}), "
        f"(SELECT doc FROM {index}_docs v WHERE v.rowid = cases.id)) FROM cases "
        f"WHERE id > ? AND id NOT IN (SELECT id FROM {index}_docsize) ORDER BY id",
        (last_id,),
    )

"""The full-text indexes over cases (cases_fts, trigram; cases_bigram_customer and
cases_bigram_case, bigrams of the same text, schema 23): what they hold for one case.

The schema's triggers (db/migrations) keep it up to date row by row; the checks compare
it with this document and rebuild it from it, and a bulk load fills it with it at the end.
FTS_DOC_SQL must build the same text as the triggers do (tests/db/test_fts.py): a stored
document that differs from it reads as a stale index.
"""

from __future__ import annotations

from db.models import database

# The document of one case row, as SQL over the row aliased {r}: its number, customer
# name, phone, VIN, plate and content, an empty string for each NULL, one per line.
FTS_DOC_SQL = (
    "coalesce({r}.number,'') || char(10) || coalesce({r}.customer_name,'') || char(10) || "
    "coalesce({r}.phone,'') || char(10) || coalesce({r}.vin,'') || char(10) || "
    "coalesce({r}.plate,'') || char(10) || coalesce({r}.content,'')"
)

INSERT_TRIGGER = "cases_fts_ai"
# The statement the insert trigger runs, its whitespace collapsed.
INSERT_TRIGGER_ROW_SQL = " ".join(
    f"INSERT INTO cases_fts (rowid, doc) VALUES (new.id, {FTS_DOC_SQL.format(r='new')});".split()
)


# The bigram indexes (schema 23, db/migrations/m0023_bigram_split.py): the customer's
# (name, phone) and the case's (number, VIN, plate, content), each an FTS5 table whose
# documents come from its view <index>_docs.
BIGRAM_INDEXES = ("cases_bigram_customer", "cases_bigram_case")


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


def doc_sql(alias: str) -> str:
    """FTS_DOC_SQL over the case row named ``alias``."""
    return FTS_DOC_SQL.format(r=alias)


def index_cases_after(last_id: int) -> None:
    """Add the documents of the cases whose id is above ``last_id``, in id order."""
    database.execute_sql(
        f"INSERT INTO cases_fts (rowid, doc) SELECT id, {doc_sql('cases')} "
        "FROM cases WHERE id > ? ORDER BY id",
        (last_id,),
    )


def index_bigrams_after(index: str, last_id: int) -> None:
    """Add to the bigram index ``index`` the documents of the cases whose id is above
    ``last_id`` and that it does not hold yet (one updated during a bulk load was added by
    the update trigger), in id order."""
    database.execute_sql(
        f"INSERT INTO {index} (rowid, doc) SELECT rowid, doc FROM {index}_docs "
        f"WHERE rowid > ? AND rowid NOT IN (SELECT id FROM {index}_docsize) ORDER BY rowid",
        (last_id,),
    )

"""The full-text index over cases (cases_fts, trigram): what it holds for one case.

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

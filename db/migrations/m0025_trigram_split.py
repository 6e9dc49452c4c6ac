"""Schema 25: the trigram index of schema 1 split in two, the customer's and the case's.

Schema 1's cases_fts held one document per case: its number, customer, phone, VIN, plate and
content, one per line, and its update trigger fired on every save of the row (a save writes
every column) and wrote the whole document again. Changing the customer's name or phone
(anonymising closed cases changes only those) re-read the case's whole text. Here, as step
23 did for the bigram indexes, the same text goes into two trigram indexes, each kept by
triggers on its own columns that run only when one of them really changes:

- cases_fts: the case's number, VIN, plate and content (one per line), the same table as
  schema 1's (an FTS5 trigram index keeping its own copy of the text, which the short-text
  search reads: db/queries.py);
- cases_customer_fts: the customer's name and phone (one per line; a dozen characters).

A search of three or more characters asks both (db/queries.py). A text is found in one field
as before; a text spanning two fields (it would need a newline in it, which the search box
never holds) is found only across the fields one index joins.

On a folder at schema 23 the old index and its triggers are dropped and the two built from
the cases in this step's transaction. The drops say IF EXISTS so the step also runs over its
own result (a test that takes a folder back to an earlier schema keeps later objects).
SQLite only: PostgreSQL's step 25 (pg0025_trigram_split.py) changes nothing.
"""

from __future__ import annotations

# index name → (its document over the case row aliased {r}, the columns it is made of)
_INDEXES = {
    "cases_fts": (
        "coalesce({r}.number,'') || char(10) || coalesce({r}.vin,'') || char(10) || "
        "coalesce({r}.plate,'') || char(10) || coalesce({r}.content,'')",
        "number, vin, plate, content",
    ),
    "cases_customer_fts": (
        "coalesce({r}.customer_name,'') || char(10) || coalesce({r}.phone,'')",
        "customer_name, phone",
    ),
}


def _statements(index: str, doc: str, columns: str) -> list[str]:
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in columns.split(", "))
    return [
        f"DROP TABLE IF EXISTS {index}",
        f"CREATE VIRTUAL TABLE {index} USING fts5(doc, tokenize='trigram')",
        f"""CREATE TRIGGER {index}_ai AFTER INSERT ON cases BEGIN
        INSERT INTO {index} (rowid, doc) VALUES (new.id, {doc.format(r="new")});
    END""",
        f"""CREATE TRIGGER {index}_ad AFTER DELETE ON cases BEGIN
        DELETE FROM {index} WHERE rowid = old.id;
    END""",
        f"""CREATE TRIGGER {index}_au AFTER UPDATE OF {columns} ON cases WHEN {changed} BEGIN
        UPDATE {index} SET doc = {doc.format(r="new")} WHERE rowid = new.id;
    END""",
        f"INSERT INTO {index} (rowid, doc) "
        f"SELECT id, {doc.format(r='cases')} FROM cases ORDER BY id",
    ]


STATEMENTS = [
    *(
        f"DROP TRIGGER IF EXISTS {index}_{suffix}"
        for index in _INDEXES
        for suffix in ("ai", "ad", "au")
    ),
    *(sql for index, (doc, cols) in _INDEXES.items() for sql in _statements(index, doc, cols)),
]


def up(execute) -> None:
    for sql in STATEMENTS:
        execute(sql)

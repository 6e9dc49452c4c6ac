"""Schema 23: the bigram index of schema 21 split in two, the customer's and the case's.

Schema 21's cases_bigram held one document per case: its number, customer, phone, VIN, plate
and content. Changing the customer's name or phone (anonymising closed cases changes only
those) then took the whole document out and put it in again, about as much work as the
rest of the update. Here the same bigrams go into two indexes, each kept by triggers on its
own columns, so a change of the customer never re-reads the case's text:

- cases_bigram_customer: the customer's name and phone (one per line; a dozen characters),
  documents from the view cases_bigram_customer_docs;
- cases_bigram_case: the number, VIN, plate and content (one per line), documents from the
  view cases_bigram_case_docs.

Both are built like schema 21's (see m0021_bigram_index): ``detail=none``, every
two-character piece of the text and the last character alone, written out by a view (a
recursive CTE, 16 characters a step) that is the index's external content, so FTS5's own
'rebuild' and 'integrity-check' compare it with the cases. A field's last character is a
one-character token in either form (the newline between fields splits the piece), so the
two indexes together name exactly the cases the one did: the search asks both
(db/queries.py). The old document goes out BEFORE a delete or an update that changes the
index's own columns, the new one in AFTER an insert or such an update (a save of the whole
row that leaves them as they were does nothing to the index); a case the index does not hold
(a bulk load adds the documents of its new cases at its end, db/bulk_load.py) is not taken
out.

On a folder at schema 22 the old index, its view and triggers are dropped and the two new
ones built from the cases in this step's transaction. SQLite only: PostgreSQL's step 23
(pg0023_bigram_split.py) changes nothing.
"""

from __future__ import annotations

_STEP = 16
_PIECES = " || ' ' || ".join(f"substr(d, {i + 1}, 2)" for i in range(_STEP))

# index name → (its document over the case row aliased c, the columns it is made of)
_INDEXES = {
    "cases_bigram_customer": (
        "coalesce(c.customer_name,'') || char(10) || coalesce(c.phone,'')",
        "customer_name, phone",
    ),
    "cases_bigram_case": (
        "coalesce(c.number,'') || char(10) || coalesce(c.vin,'') || char(10) || "
        "coalesce(c.plate,'') || char(10) || coalesce(c.content,'')",
        "number, vin, plate, content",
    ),
}


def _statements(index: str, doc: str, columns: str) -> list[str]:
    view = f"{index}_docs"
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in columns.split(", "))
    return [
        f"""CREATE VIEW {view} (rowid, doc) AS
        SELECT c.id, (
            WITH RECURSIVE rest(d) AS (
                SELECT {doc}
                UNION ALL
                SELECT substr(d, {_STEP + 1}) FROM rest WHERE length(d) > {_STEP}
            )
            SELECT group_concat({_PIECES}, ' ') FROM rest
        )
        FROM cases c""",
        f"CREATE VIRTUAL TABLE {index} USING fts5(doc, content='{view}', "
        "content_rowid='rowid', detail=none)",
        f"""CREATE TRIGGER {index}_ai AFTER INSERT ON cases BEGIN
        INSERT INTO {index} (rowid, doc) SELECT rowid, doc FROM {view} WHERE rowid = new.id;
    END""",
        f"""CREATE TRIGGER {index}_bd BEFORE DELETE ON cases BEGIN
        INSERT INTO {index} ({index}, rowid, doc)
            SELECT 'delete', rowid, doc FROM {view} WHERE rowid = old.id
            AND EXISTS (SELECT 1 FROM {index}_docsize WHERE id = old.id);
    END""",
        f"""CREATE TRIGGER {index}_bu BEFORE UPDATE OF {columns} ON cases WHEN {changed} BEGIN
        INSERT INTO {index} ({index}, rowid, doc)
            SELECT 'delete', rowid, doc FROM {view} WHERE rowid = old.id
            AND EXISTS (SELECT 1 FROM {index}_docsize WHERE id = old.id);
    END""",
        f"""CREATE TRIGGER {index}_au AFTER UPDATE OF {columns} ON cases WHEN {changed} BEGIN
        INSERT INTO {index} (rowid, doc) SELECT rowid, doc FROM {view} WHERE rowid = new.id;
    END""",
        f"INSERT INTO {index} ({index}) VALUES ('rebuild')",
    ]


STATEMENTS = [
    "DROP TRIGGER cases_bigram_ai",
    "DROP TRIGGER cases_bigram_bd",
    "DROP TRIGGER cases_bigram_bu",
    "DROP TRIGGER cases_bigram_au",
    "DROP TABLE cases_bigram",
    "DROP VIEW cases_bigram_docs",
    *(sql for index, (doc, cols) in _INDEXES.items() for sql in _statements(index, doc, cols)),
]


def up(execute) -> None:
    for sql in STATEMENTS:
        execute(sql)

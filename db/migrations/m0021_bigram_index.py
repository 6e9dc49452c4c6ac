"""Schema 21: a second full-text index over the cases that answers 1-2 character searches.

The trigram index (cases_fts) cannot answer fewer than three characters, so a two-character
search with few matches read every case's text (~0.4 s at a million cases). cases_bigram
holds, for each case, every two-character piece of the same document as cases_fts (its
number, customer, phone, VIN, plate and content, one per line), and the last character
alone: a case contains a two-character text only if its bigram is there, and a single
character only if a bigram starts with it (a prefix query). FTS5's unicode61 tokenizer folds
case and splits at punctuation and spaces, so the index may name more cases than match; the
search keeps only the cases whose columns match (db/queries.py): the index narrows, the
LIKE decides.

- ``detail=none``: only which cases hold a bigram, no positions (a tenth of the trigram
  index's size).
- External content: the documents are not stored twice; the view cases_bigram_docs computes
  them from the cases (a recursive CTE, 16 characters a step), so FTS5's own 'rebuild' and
  'integrity-check' compare the index with the cases themselves.
- Kept by triggers on cases like cases_fts. FTS5 removes a document by its old tokens, so
  the old document is taken out BEFORE a delete or an update of the searched columns (the
  row still holds the old values), and the new one put in AFTER an insert or update. A
  trigger cannot hold a CTE, but it can read the view. A case the index does not hold (no
  row in FTS5's own cases_bigram_docsize: a bulk load adds the documents of its new cases
  at its end, db/bulk_load.py) is not taken out, since removing a document that is not
  there would corrupt the index.

The same step adds cases_oem_state, a partial index of the manufacturer cases (the terms of
schema 12's cases_oem) by state: 厂家跟踪's default view, the open ones, then reads only the
open manufacturer cases' rows, not every open case's (db/case_loads.py: oem_cases).

SQLite only: the office server's pg_trgm index answers short text (PostgreSQL's step 21,
pg0021_bigram_index.py, changes nothing; its planner has the bitmap scans that make the
partial index unnecessary there).
"""

from __future__ import annotations

# The same document as cases_fts's (m0001_initial), over the case row aliased {r}.
_DOC = (
    "coalesce({r}.number,'') || char(10) || coalesce({r}.customer_name,'') || char(10) || "
    "coalesce({r}.phone,'') || char(10) || coalesce({r}.vin,'') || char(10) || "
    "coalesce({r}.plate,'') || char(10) || coalesce({r}.content,'')"
)

# Each step of the CTE takes 16 characters off the front of the text and writes the 16
# pieces that start in them (substr from the start of a short text, not deep into a long
# one); past the end substr gives '' (a blank between spaces, not a token).
_STEP = 16
_PIECES = " || ' ' || ".join(f"substr(d, {i + 1}, 2)" for i in range(_STEP))

STATEMENTS = [
    f"""CREATE VIEW cases_bigram_docs (rowid, doc) AS
        SELECT c.id, (
            WITH RECURSIVE rest(d) AS (
                SELECT {_DOC.format(r="c")}
                UNION ALL
                SELECT substr(d, {_STEP + 1}) FROM rest WHERE length(d) > {_STEP}
            )
            SELECT group_concat({_PIECES}, ' ') FROM rest
        )
        FROM cases c""",
    "CREATE VIRTUAL TABLE cases_bigram USING fts5(doc, content='cases_bigram_docs', "
    "content_rowid='rowid', detail=none)",
    """CREATE TRIGGER cases_bigram_ai AFTER INSERT ON cases BEGIN
        INSERT INTO cases_bigram (rowid, doc)
            SELECT rowid, doc FROM cases_bigram_docs WHERE rowid = new.id;
    END""",
    """CREATE TRIGGER cases_bigram_bd BEFORE DELETE ON cases BEGIN
        INSERT INTO cases_bigram (cases_bigram, rowid, doc)
            SELECT 'delete', rowid, doc FROM cases_bigram_docs WHERE rowid = old.id
            AND EXISTS (SELECT 1 FROM cases_bigram_docsize WHERE id = old.id);
    END""",
    """CREATE TRIGGER cases_bigram_bu
        BEFORE UPDATE OF number, customer_name, phone, vin, plate, content ON cases BEGIN
        INSERT INTO cases_bigram (cases_bigram, rowid, doc)
            SELECT 'delete', rowid, doc FROM cases_bigram_docs WHERE rowid = old.id
            AND EXISTS (SELECT 1 FROM cases_bigram_docsize WHERE id = old.id);
    END""",
    """CREATE TRIGGER cases_bigram_au
        AFTER UPDATE OF number, customer_name, phone, vin, plate, content ON cases BEGIN
        INSERT INTO cases_bigram (rowid, doc)
            SELECT rowid, doc FROM cases_bigram_docs WHERE rowid = new.id;
    END""",
    "INSERT INTO cases_bigram (cases_bigram) VALUES ('rebuild')",
    "CREATE INDEX IF NOT EXISTS cases_oem_state ON cases (state, received_at) "
    "WHERE deleted = 0 AND (channel = '厂家转发' OR needs_oem = 1 OR fmc_status IS NOT NULL "
    "OR cac_number IS NOT NULL)",
]


def up(execute) -> None:
    for sql in STATEMENTS:
        execute(sql)

"""Schema 14: the code printed on every sheet, so a scanned signed sheet finds its row.

``code`` is the short sheet code of the QR and of the human line under it (unique among
this office's printed sheets; sheets printed before this step have none and are returned
by hand). ``record_ref`` and ``revision`` are what the sheet was printed from (the case
number or the notice number, and that record's revision), so a scan of a sheet whose case
changed after printing is told apart.
"""

from __future__ import annotations

STATEMENTS = [
    "ALTER TABLE printed_forms ADD COLUMN code TEXT",
    "ALTER TABLE printed_forms ADD COLUMN record_ref TEXT",
    "ALTER TABLE printed_forms ADD COLUMN revision INTEGER",
    "CREATE UNIQUE INDEX IF NOT EXISTS printed_forms_code ON printed_forms (code) "
    "WHERE code IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS printed_forms_unreturned "
    "ON printed_forms (signed_returned_at, printed_at)",
]


def up(execute) -> None:
    for sql in STATEMENTS:
        execute(sql)

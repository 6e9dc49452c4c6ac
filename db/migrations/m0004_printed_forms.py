"""Schema 4: the printed-forms history.

Every form the app prints is kept with its case or sanction: which form, when, who printed
it, which template (default or the office's own, and the hash of its bytes), the saved
file under the data folder's ``printed/``, and when the signed paper came back (with the
path of its scan). A batch of notices gives one row per notice, sharing the batch's uid
and file. Local to this office: the history does not travel in the ledger.
"""

from __future__ import annotations

STATEMENTS = [
    """CREATE TABLE printed_forms (
        id INTEGER PRIMARY KEY,
        uid TEXT NOT NULL UNIQUE,
        form TEXT NOT NULL CHECK (form IN ('A', 'B', 'C', 'D')),
        case_id INTEGER REFERENCES cases(id) ON DELETE SET NULL,
        sanction_id INTEGER REFERENCES sanctions(id) ON DELETE SET NULL,
        batch_uid TEXT,
        printed_at TEXT NOT NULL,
        printed_by TEXT NOT NULL DEFAULT '',
        template_source TEXT NOT NULL,
        template_sha256 TEXT NOT NULL,
        file_path TEXT NOT NULL,
        pdf_path TEXT,
        signed_returned_at TEXT,
        scan_path TEXT,
        note TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX printed_forms_case ON printed_forms (case_id, printed_at)",
    "CREATE INDEX printed_forms_sanction ON printed_forms (sanction_id, printed_at)",
    "CREATE INDEX printed_forms_batch ON printed_forms (batch_uid)",
]


def up(execute) -> None:
    for sql in STATEMENTS:
        execute(sql)

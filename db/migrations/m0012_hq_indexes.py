"""Schema 12: partial indexes for the 厂家跟踪 page at headquarters scale (issue 23 §4).

The page lists every case forwarded by or reported to the manufacturer. Without these it
read every case and, per case, its tracking entries for an 上报厂家 (1.96 s at 100,000
cases; linear in the whole history). Both indexes are partial, so they hold only those
cases (~17 % of the demo's) and only the 上报厂家 entries (~2 % of the entries): small, and
kept by SQLite on every write like the others. The queries that use them repeat their
WHERE terms literally (complaints/usecases/oem.py), as SQLite requires for a partial index.
"""

from __future__ import annotations

STATEMENTS = [
    "CREATE INDEX IF NOT EXISTS cases_oem ON cases (received_at) WHERE deleted = 0 AND "
    "(channel = '厂家转发' OR needs_oem = 1 OR fmc_status IS NOT NULL OR cac_number IS NOT NULL)",
    "CREATE INDEX IF NOT EXISTS entries_oem_report ON entries (case_id, at) "
    "WHERE action = '上报厂家' AND deleted = 0",
]


def up(execute) -> None:
    for sql in STATEMENTS:
        execute(sql)

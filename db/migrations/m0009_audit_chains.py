"""Schema 9: the audit trail held outside the branch (issue 15 §6).

``site_audit_chains``: every other site's audit entries, as its ledgers carried them (the
审计记录 sheet), kept by the site that imports them (headquarters): one row per entry,
``entry`` the canonical JSON of the entry's stored columns (so its hash can be recomputed),
``prev_hash``/``hash`` to follow the chain. Append-only, like audit_log.

``audit_exports``: per ledger destination, the last own audit entry a ledger to it carried,
so the next one carries the entries since.
"""

from __future__ import annotations

STATEMENTS = [
    """CREATE TABLE site_audit_chains (
        site TEXT NOT NULL,
        id INTEGER NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        at TEXT NOT NULL,
        event TEXT NOT NULL,
        actor TEXT NOT NULL DEFAULT '',
        entry TEXT NOT NULL,
        received_at TEXT NOT NULL,
        source_file TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (site, id)
    )""",
    """CREATE TRIGGER site_audit_chains_no_update BEFORE UPDATE ON site_audit_chains BEGIN
        SELECT RAISE(ABORT, '站点审计记录只能追加,不能修改');
    END""",
    """CREATE TRIGGER site_audit_chains_no_delete BEFORE DELETE ON site_audit_chains BEGIN
        SELECT RAISE(ABORT, '站点审计记录只能追加,不能删除');
    END""",
    """CREATE TABLE audit_exports (
        destination TEXT PRIMARY KEY,
        through_id INTEGER NOT NULL,
        exported_at TEXT NOT NULL
    )""",
]


def up(execute) -> None:
    for sql in STATEMENTS:
        execute(sql)

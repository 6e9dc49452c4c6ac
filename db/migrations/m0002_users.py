"""Schema 2: local user accounts and the append-only, hash-chained audit log.

- users: one row per person; ``roles`` is a JSON list of role names (a person may hold
  several); ``department`` is the 部门经理's department; lockout counters live here.
- audit_log: never updated or deleted (triggers refuse both); each row carries the hash of
  the previous one. audit_head keeps the id and hash of the last row, so a removed last
  entry is noticed too; it only moves forward.
"""

from __future__ import annotations

STATEMENTS = [
    """CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        login TEXT NOT NULL UNIQUE COLLATE NOCASE,
        display_name TEXT NOT NULL,
        roles TEXT NOT NULL DEFAULT '[]',
        department TEXT,
        active INTEGER NOT NULL DEFAULT 1,
        password_hash TEXT NOT NULL,
        failed_tries INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT,
        must_change_password INTEGER NOT NULL DEFAULT 0,
        last_sign_in_at TEXT,
        created_at TEXT NOT NULL,
        modified_at TEXT NOT NULL
    )""",
    """CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        site TEXT NOT NULL DEFAULT '',
        user_id INTEGER,
        actor TEXT NOT NULL DEFAULT '',
        event TEXT NOT NULL,
        tbl TEXT,
        record_uid TEXT,
        changes TEXT NOT NULL DEFAULT '{}',
        note TEXT NOT NULL DEFAULT '',
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    )""",
    "CREATE INDEX audit_log_at ON audit_log (at)",
    "CREATE INDEX audit_log_record ON audit_log (tbl, record_uid)",
    "CREATE INDEX audit_log_actor ON audit_log (actor, at)",
    """CREATE TABLE audit_head (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        last_id INTEGER NOT NULL,
        last_hash TEXT NOT NULL
    )""",
    "INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, 0, '')",
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN
        SELECT RAISE(ABORT, '审计日志只能追加,不能修改');
    END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN
        SELECT RAISE(ABORT, '审计日志只能追加,不能删除');
    END""",
    """CREATE TRIGGER audit_log_head AFTER INSERT ON audit_log BEGIN
        UPDATE audit_head SET last_id = new.id, last_hash = new.hash WHERE id = 1;
    END""",
    """CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head
        WHEN new.last_id <= old.last_id BEGIN
        SELECT RAISE(ABORT, '审计日志的链头只能前进');
    END""",
    """CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head BEGIN
        SELECT RAISE(ABORT, '审计日志的链头不能删除');
    END""",
]


def up(execute) -> None:
    for sql in STATEMENTS:
        execute(sql)

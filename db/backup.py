"""Backups with SQLite's online backup API, each verified with integrity_check."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from db.errors import BackupError
from db.models import database

BACKUP_SUFFIX = ".sqlite3"


def integrity_problems(path: Path) -> list[str]:
    """The lines of ``PRAGMA integrity_check`` that are not 'ok' (empty when sound)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        return [str(e)]
    return [] if rows == ["ok"] else rows


def backup_to(dest: Path) -> Path:
    """Copy the open database to ``dest`` (atomically: temp file, then rename) and verify it."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    if tmp.exists():
        tmp.unlink()
    source = database.connection()
    target = sqlite3.connect(tmp)
    try:
        source.backup(target)
    finally:
        target.close()
    problems = integrity_problems(tmp)
    if problems:
        tmp.unlink(missing_ok=True)
        raise BackupError(f"备份校验失败({dest.name}):{'; '.join(problems[:3])}")
    os.replace(tmp, dest)
    return dest


def make_backup(folder: Path, *, reason: str, now: datetime | None = None) -> Path:
    """A verified backup in ``folder`` named by time and reason."""
    now = now or datetime.now(UTC)
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return backup_to(Path(folder) / f"complaintdesk-{stamp}-{reason}{BACKUP_SUFFIX}")

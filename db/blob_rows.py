"""The ``blobs`` table: file contents named by their SHA-256 (attachments and signed sheets'
scans). On the office server every seat reads them from here; on this PC's SQLite file the
contents are files in the data folder and the table holds only what came from a server."""

from __future__ import annotations

import hashlib

from db.models import database, on_server

MAX_LISTED = 20  # problems listed one by one; the rest are counted


def in_database() -> bool:
    """Whether new contents are kept in the database (the office server) rather than as
    files in this PC's data folder."""
    return on_server()


def put(sha256: str, data: bytes) -> None:
    """Keep ``data`` under its hash (nothing happens when it is already kept)."""
    database.execute_sql(
        "INSERT OR IGNORE INTO blobs (sha256, size, bytes) VALUES (?, ?, ?)",
        (sha256, len(data), data),
    )


def get(sha256: str) -> bytes | None:
    """The content of this hash, or None when the database does not keep it."""
    row = database.execute_sql("SELECT bytes FROM blobs WHERE sha256 = ?", (sha256,)).fetchone()
    return bytes(row[0]) if row is not None else None


def referenced(sha256: str) -> bool:
    """Whether an attachment or a scan still names this content."""
    row = database.execute_sql(
        "SELECT EXISTS (SELECT 1 FROM attachments WHERE sha256 = ?) "
        "OR EXISTS (SELECT 1 FROM printed_forms WHERE scan_sha256 = ?)",
        (sha256, sha256),
    ).fetchone()
    return bool(row[0])


def forget_unreferenced(sha256: str) -> None:
    """Remove the content when nothing names it any more."""
    if not referenced(sha256):
        database.execute_sql("DELETE FROM blobs WHERE sha256 = ?", (sha256,))


def problems() -> list[str]:
    """Every kept content still matches its hash and size; on the office server every
    attachment and scan has its content kept."""
    found: list[str] = []
    total = 0
    cursor = database.execute_sql("SELECT sha256, size, bytes FROM blobs ORDER BY sha256")
    for sha, size, data in cursor.fetchall():
        content = bytes(data)
        if hashlib.sha256(content).hexdigest() != sha or len(content) != size:
            total += 1
            if len(found) < MAX_LISTED:
                found.append(f"文件内容表(blobs)中 {sha[:12]}… 的内容与校验值不符:请从备份恢复")
    if on_server():
        missing = database.execute_sql(
            "SELECT 'attachments', file_name, sha256 FROM attachments "
            "WHERE sha256 NOT IN (SELECT sha256 FROM blobs) "
            "UNION ALL SELECT 'printed_forms', file_path, scan_sha256 FROM printed_forms "
            "WHERE scan_sha256 IS NOT NULL AND scan_sha256 NOT IN (SELECT sha256 FROM blobs) "
            "ORDER BY 1, 2"
        ).fetchall()
        for table, name, sha in missing:
            total += 1
            if len(found) < MAX_LISTED:
                what = "附件" if table == "attachments" else "签字扫描件"
                found.append(f"{what}“{name}”({sha[:12]}…)的内容不在服务器上:请从备份恢复")
    if total > len(found):
        found.append(f"……另有 {total - len(found)} 处文件内容问题未逐一列出")
    return found

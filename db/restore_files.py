"""Restoring a backup over the live database, at the file level: the staged copy checked
(readable SQLite, integrity_check, this program's schema, not newer than this program), the
site a file belongs to, a copy of the live data kept before it is replaced, the replacement
itself. Which file to restore and who may is complaints.usecases.storage's."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from db import case_touches, changes, check
from db.backup import integrity_problems, make_backup, write_failure
from db.database import latest_version, schema_version
from db.errors import BackupError, NotADatabase


class BadSource(Exception):
    """The file cannot be restored from; nothing was changed. The message is for a person."""


class CannotStage(Exception):
    """The data folder cannot take the copy the restore checks; nothing was changed."""


def stage(src: Path, staging: Path) -> int:
    """Copy ``src`` into ``staging`` with the backup API and check it; the schema version."""
    try:
        conn = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    except sqlite3.Error as e:
        raise BadSource(f"无法读取文件 {src}:{e}") from None
    try:  # the data folder must take the copy: said as such, not as a fault of the file
        os.close(os.open(staging, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as e:
        conn.close()
        raise CannotStage(
            f"无法在数据文件夹 {staging.parent} 中写入恢复用的副本:"
            f"{write_failure(e) or e.strerror or e}。未作任何改动"
        ) from None
    try:
        target = sqlite3.connect(staging)
        try:
            conn.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
    except sqlite3.DatabaseError as e:
        if "not a database" in str(e):
            raise BadSource(f"{src} 不是 SQLite 数据库文件,未作任何改动") from None
        if "database or disk is full" in str(e):  # the copy in the data folder, not the file
            local = write_failure(e)
            raise CannotStage(
                f"无法在数据文件夹 {staging.parent} 中写入恢复用的副本:{local}。未作任何改动"
            ) from None
        raise BadSource(f"{src} 已损坏,无法读取({e}),未作任何改动") from None
    finally:
        conn.close()
    problems = integrity_problems(staging)
    if problems:
        raise BadSource(
            f"{src} 已损坏,不能用来恢复(integrity_check:{'; '.join(problems[:3])}),未作任何改动"
        )
    probe = sqlite3.connect(f"file:{staging}?mode=ro", uri=True)
    try:
        try:
            version = schema_version(probe)
        except NotADatabase as e:
            raise BadSource(
                f"{src} 不是客诉管理台的数据库({str(e).split(':', 1)[-1]}),未作任何改动"
            ) from None
        tables = {r[0] for r in probe.execute("SELECT name FROM sqlite_master")}
    finally:
        probe.close()
    if version == 0 or "cases" not in tables:
        raise BadSource(f"{src} 不是客诉管理台的数据库(缺少版本表或投诉表),未作任何改动")
    if version > latest_version():
        raise BadSource(
            f"{src} 的数据库版本为 {version},本程序只支持到 {latest_version()}:"
            "请先安装新版客诉管理台再恢复。未作任何改动"
        )
    # Every table, column, index and trigger as the migrations build this version: a planted
    # trigger or a renamed column is refused before anything is replaced.
    probe = sqlite3.connect(f"file:{staging}?mode=ro", uri=True)
    try:
        differences = check.schema_differences(probe, version)
    finally:
        probe.close()
    if differences:
        listed = ";".join(differences[:10])
        more = f"……共 {len(differences)} 处" if len(differences) > 10 else ""
        raise BadSource(
            f"{src} 不是客诉管理台的数据库,或已被改动:其结构与第 {version} 版应有的不同"
            f"({listed}{more}),不能用来恢复,未作任何改动"
        )
    # Every seat's kept to-do list is judged afresh on the restored data: its touched-cases
    # log counts from where the copy's did, not from where the live file's had got to.
    marked = sqlite3.connect(staging)
    try:
        case_touches.mark_file_everything(marked)
    finally:
        marked.close()
    return version


def site_of(path: Path) -> str | None:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT value FROM settings WHERE key = 'site.code'").fetchone()
    except sqlite3.DatabaseError:
        return None
    finally:
        conn.close()
    return json.loads(row[0]) if row else None


def keep_live(live: Path, backups: Path, now: datetime) -> tuple[Path, bool]:
    """A copy of the live database before it is replaced: verified when it is sound,
    else a raw copy of its files (a damaged database is exactly what one restores over,
    and it must not be lost either)."""
    try:
        conn = sqlite3.connect(live, timeout=10)
        try:
            return make_backup(backups, reason="before-restore", now=now, source=conn), True
        finally:
            conn.close()
    except (BackupError, sqlite3.Error):
        stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        raw = Path(backups) / f"complaintdesk-{stamp}-before-restore-damaged.sqlite3"
        raw.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(live, raw)
        for ext in ("-wal", "-shm"):
            side = live.with_name(live.name + ext)
            if side.exists():
                shutil.copy2(side, raw.with_name(raw.name + ext))
        return raw, False


def replace_live(staging: Path, live: Path, *, live_sound: bool) -> None:
    """Put the staged copy in place of the live database (which is closed).

    A sound live database is overwritten through the backup API, under SQLite's own
    locks and journal, so a crash half-way leaves the old data; a damaged or missing one
    is replaced by renaming the staged file over it.
    """
    changes.note_everything()  # every page shows data that may have changed
    if live.exists() and live_sound:
        src = sqlite3.connect(f"file:{staging}?mode=ro", uri=True)
        dst = sqlite3.connect(live, timeout=10)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        return
    for ext in ("-wal", "-shm"):
        live.with_name(live.name + ext).unlink(missing_ok=True)
    part = live.with_name(live.name + ".restore.part")
    try:
        shutil.copy2(staging, part)
        os.replace(part, live)
    except OSError:
        part.unlink(missing_ok=True)
        raise

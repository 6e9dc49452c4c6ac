"""Storage operations the GUI and the CLI share: automatic and manual backups, restore,
and the database checks.

Rotation policy (decided here, see db.backup.prune_backups): the automatic backups made
at start ("auto") are pruned by settings backup.keep_*; the copies made before a
migration or before a restore are each their own series, pruned by the same rotation
but only among themselves, so daily automatic backups never push them out (the newest
of each series is always kept); backups made by hand ("manual") are never pruned.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from complaints.usecases import audit, auth, settings
from complaints.usecases.context import Context, parse_tz
from complaints.usecases.errors import UseCaseError
from db import changes as db_changes
from db import check
from db.backup import (
    Rotation,
    backup_to,
    integrity_problems,
    make_backup,
    prune_backups,
    write_failure,
)
from db.database import close_database, database_path, open_database, schema_version
from db.errors import BackupError, NotADatabase, StorageError
from db.migrations import LATEST_VERSION
from db.models import database
from db.partfiles import Partial, registry_for

Check = Callable[[], list[str]]

# Every check of `python -m desktop check`, in order. Another area adds its own check
# (e.g. the audit chain) with one line here.
CHECKS: list[Check] = [
    check.integrity,
    check.schema,
    check.foreign_keys,
    check.search_index,
    audit.verify_chain,
]


def run_checks() -> list[str]:
    """All problems found in the open database (empty when sound)."""
    problems: list[str] = []
    for fn in CHECKS:
        problems.extend(fn())
    return problems


def rotation_from_settings() -> Rotation:
    return Rotation(
        recent_days=int(settings.get("backup.keep_recent_days")),
        daily=int(settings.get("backup.keep_daily")),
        weekly=int(settings.get("backup.keep_weekly")),
        monthly=int(settings.get("backup.keep_monthly")),
    )


def _site_tz():
    try:
        return parse_tz(settings.get("site.tz"))
    except ValueError:
        return parse_tz("+08:00")


def auto_backup(backup_dir: Path, now: datetime) -> Path | None:
    """The backup at start: at most one per local day (the office's time zone).

    Returns the new backup, or None when one was already made today. Records
    backup.last_auto, then prunes ``backup_dir`` by the rotation. Raises
    db.errors.BackupError when the copy cannot be written or fails verification
    (nothing is pruned then).
    """
    tz = _site_tz()
    last = settings.get("backup.last_auto")
    if last:
        try:
            if datetime.fromisoformat(last).astimezone(tz).date() == now.astimezone(tz).date():
                return None
        except ValueError:
            pass  # a garbled setting: make the backup
    path = make_backup(Path(backup_dir), reason="auto", now=now)
    settings.set_("backup.last_auto", now.isoformat(timespec="seconds"))
    prune_backups(Path(backup_dir), now, rotation_from_settings(), tz)
    return path


def _default_backup_dir() -> Path:
    live = database_path()
    if live is None:
        raise UseCaseError("数据库尚未打开,无法备份")
    return live.parent / "backups"


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False


def backup_now(
    out: Path | None = None,
    *,
    backup_dir: Path | None = None,
    now: datetime | None = None,
    ctx: Context | None = None,
) -> Path:
    """A verified backup made by hand: to ``out`` (a new file, or a folder to put it in),
    else into the backups folder beside the database. Never overwrites a file."""
    if ctx is not None:
        auth.require(ctx, "data.backup")
    now = now or datetime.now(UTC)
    if out is None:
        path = make_backup(backup_dir or _default_backup_dir(), reason="manual", now=now)
    else:
        out = Path(out).expanduser()
        if out.is_dir():
            path = make_backup(out, reason="manual", now=now)
        else:
            live = database_path()
            if out.exists():
                if live is not None and _same_file(out, live):
                    raise UseCaseError(f"{out} 就是正在使用的数据库,不能作为备份文件")
                raise UseCaseError(f"文件 {out} 已存在:请换一个文件名,以免覆盖")
            try:
                path = backup_to(out)
            except OSError as e:
                raise UseCaseError(f"无法写入备份文件 {out}:{e.strerror or e}") from None
    if ctx is not None:
        with database.atomic():
            audit.record(ctx, "data.backup", note=str(path))
    return path


class StoragePaths(Protocol):
    """What restore needs of desktop.paths.DataPaths."""

    @property
    def database(self) -> Path: ...

    @property
    def backups(self) -> Path: ...


@dataclass(frozen=True)
class RestoreReport:
    source: Path  # the file restored from
    kept: Path | None  # the copy of the data it replaced (None: there was no database)
    kept_verified: bool  # False: the replaced data was damaged, kept as a raw copy
    version_restored: int  # schema version of the restored file
    version_now: int  # after migrating
    migration_backup: Path | None  # copy made before migrating the restored file
    problems: list[str] = field(default_factory=list)  # run_checks() after the restore


class RestoreRefused(UseCaseError):
    """The file is not something we can restore from; nothing was changed."""


class OtherSiteBackup(RestoreRefused):
    """The backup belongs to another site: refused unless asked for (allow_other_site)."""


def _stage(src: Path, staging: Path) -> int:
    """Copy ``src`` into ``staging`` with the backup API and check it; the schema version."""
    try:
        conn = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    except sqlite3.Error as e:
        raise RestoreRefused(f"无法读取文件 {src}:{e}") from None
    try:  # the data folder must take the copy: said as such, not as a fault of the file
        os.close(os.open(staging, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as e:
        conn.close()
        raise UseCaseError(
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
            raise RestoreRefused(f"{src} 不是 SQLite 数据库文件,未作任何改动") from None
        if "database or disk is full" in str(e):  # the copy in the data folder, not the file
            local = write_failure(e)
            raise UseCaseError(
                f"无法在数据文件夹 {staging.parent} 中写入恢复用的副本:{local}。未作任何改动"
            ) from None
        raise RestoreRefused(f"{src} 已损坏,无法读取({e}),未作任何改动") from None
    finally:
        conn.close()
    problems = integrity_problems(staging)
    if problems:
        raise RestoreRefused(
            f"{src} 已损坏,不能用来恢复(integrity_check:{'; '.join(problems[:3])}),未作任何改动"
        )
    probe = sqlite3.connect(f"file:{staging}?mode=ro", uri=True)
    try:
        try:
            version = schema_version(probe)
        except NotADatabase as e:
            raise RestoreRefused(
                f"{src} 不是客诉管理台的数据库({str(e).split(':', 1)[-1]}),未作任何改动"
            ) from None
        tables = {r[0] for r in probe.execute("SELECT name FROM sqlite_master")}
    finally:
        probe.close()
    if version == 0 or "cases" not in tables:
        raise RestoreRefused(f"{src} 不是客诉管理台的数据库(缺少版本表或投诉表),未作任何改动")
    if version > LATEST_VERSION:
        raise RestoreRefused(
            f"{src} 的数据库版本为 {version},本程序只支持到 {LATEST_VERSION}:"
            "请先安装新版客诉管理台再恢复。未作任何改动"
        )
    # Every table, column, index and trigger as the migrations build this version (issue 15
    # §5): a planted trigger or a renamed column is refused before anything is replaced.
    probe = sqlite3.connect(f"file:{staging}?mode=ro", uri=True)
    try:
        differences = check.schema_differences(probe, version)
    finally:
        probe.close()
    if differences:
        listed = ";".join(differences[:10])
        more = f"……共 {len(differences)} 处" if len(differences) > 10 else ""
        raise RestoreRefused(
            f"{src} 不是客诉管理台的数据库,或已被改动:其结构与第 {version} 版应有的不同"
            f"({listed}{more}),不能用来恢复,未作任何改动"
        )
    return version


def _site_of(path: Path) -> str | None:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT value FROM settings WHERE key = 'site.code'").fetchone()
    except sqlite3.DatabaseError:
        return None
    finally:
        conn.close()
    return json.loads(row[0]) if row else None


def _keep_live(live: Path, backups: Path, now: datetime) -> tuple[Path, bool]:
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


def _replace_live(staging: Path, live: Path, *, live_sound: bool) -> None:
    """Put the staged copy in place of the live database (which is closed).

    A sound live database is overwritten through the backup API, under SQLite's own
    locks and journal, so a crash half-way leaves the old data; a damaged or missing one
    is replaced by renaming the staged file over it.
    """
    db_changes.note_everything()  # every page shows data that may have changed
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


def restore(
    src: Path,
    paths: StoragePaths,
    app_version: str = "",
    *,
    now: datetime | None = None,
    ctx: Context | None = None,
    allow_other_site: bool = False,
) -> RestoreReport:
    """Replace the live database with the backup ``src``, keeping what it replaces.

    The file is checked first (readable SQLite, integrity_check, a ComplaintDesk
    database, schema not newer than this program, the same site unless
    ``allow_other_site``): any failure raises RestoreRefused and changes nothing.
    Then a copy of the live data is kept (reason before-restore), the database is
    closed, overwritten, reopened and migrated if the backup is older. If reopening
    fails, the kept copy is put back. The database is left open on ``paths.database``.
    """
    if ctx is not None:
        auth.require(ctx, "data.restore")
    now = now or datetime.now(UTC)
    src = Path(src).expanduser()
    live = Path(paths.database)
    if not src.is_file():
        raise RestoreRefused(f"找不到要恢复的文件 {src}")
    if _same_file(src, live):
        raise RestoreRefused(f"{src} 就是正在使用的数据库,无需恢复")
    live.parent.mkdir(parents=True, exist_ok=True)
    staging = live.parent / f"restore-{uuid.uuid4().hex[:12]}.part"
    # a killed restore leaves its .part files to the next start (issue 15 §5)
    with (
        Partial(staging, registry_for(live)),
        Partial(live.with_name(live.name + ".restore.part"), registry_for(live)),
    ):
        return _restore(
            src,
            paths,
            app_version,
            now=now,
            ctx=ctx,
            allow_other_site=allow_other_site,
            live=live,
            staging=staging,
        )


def _restore(
    src: Path,
    paths: StoragePaths,
    app_version: str,
    *,
    now: datetime,
    ctx: Context | None,
    allow_other_site: bool,
    live: Path,
    staging: Path,
) -> RestoreReport:
    try:
        version = _stage(src, staging)
        close_database()
        live_exists = live.exists() and live.stat().st_size > 0
        if live_exists and not allow_other_site:
            mine, theirs = _site_of(live), _site_of(staging)
            if mine and theirs and mine != theirs:
                raise OtherSiteBackup(
                    f"{src} 属于站点 {theirs},而本机数据属于站点 {mine}:为免误恢复,未作任何改动"
                )
        try:
            kept, sound = _keep_live(live, paths.backups, now) if live_exists else (None, True)
        except OSError as e:
            raise UseCaseError(
                f"无法在 {paths.backups} 保存被替换的数据({e}),未作任何改动"
            ) from None
        try:
            _replace_live(staging, live, live_sound=sound)
        except (sqlite3.Error, OSError) as e:
            raise UseCaseError(
                f"未能用 {src} 替换数据库 {live}({e}):原来的数据未改动"
                + (f",另有一份保存在 {kept}" if kept else "")
            ) from None
        try:
            report = open_database(live, backup_dir=paths.backups, app_version=app_version)
        except Exception as e:
            close_database()
            if kept is not None:
                _replace_live(kept, live, live_sound=False)
                open_database(live, backup_dir=paths.backups, app_version=app_version)
            raise UseCaseError(f"恢复后无法打开数据库({e}),已放回原来的数据") from None
    finally:
        staging.unlink(missing_ok=True)
        for ext in ("-wal", "-shm", "-journal"):
            staging.with_name(staging.name + ext).unlink(missing_ok=True)
        if database.is_closed() and live.exists():
            try:  # refused after closing: the live data is untouched, open it again
                open_database(live, backup_dir=paths.backups, app_version=app_version)
            except StorageError:
                pass
    if ctx is not None:
        with database.atomic():
            audit.record(ctx, "data.restore", note=f"{src} → 原数据另存为 {kept}")
    return RestoreReport(
        src, kept, sound, version, report.version_after, report.backup, run_checks()
    )


def backups(folder: Path) -> list:
    """The backups in ``folder``, newest first (for the settings page: ui never reads db/)."""
    from db.backup import list_backups

    return list_backups(folder)


def location_warning(folder: Path) -> str | None:
    """A warning when the data folder is on a network drive, where SQLite is not safe."""
    from db.location import network_drive_warning

    return network_drive_warning(folder)

"""Storage operations the GUI and the CLI share: automatic and manual backups, restore,
and the database checks.

Rotation policy (decided here, see db.backup.prune_backups): the automatic backups made
at start ("auto") are pruned by settings backup.keep_*; the copies made before a
migration or before a restore are each their own series, pruned by the same rotation
but only among themselves, so daily automatic backups never push them out (the newest
of each series is always kept); backups made by hand ("manual") are never pruned. On top
of the counts, the rotated backups together stay within backup.max_size_factor × the
database on disk (db.backup.prune_by_size: the oldest go first).

The maintenance jobs (the day's backup and quick check, a backup or a full check asked for
in 设置) take ``progress`` and ``cancelled`` and run on their own thread and connection
(``in_own_connection``), so that a person's save, open or list never waits for them.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, TypeVar

from complaints.usecases import audit, auth, settings
from complaints.usecases import check_estimate as check_estimate_uc
from complaints.usecases.context import Context, parse_tz
from complaints.usecases.errors import CheckCancelled, UseCaseError, refusal
from db import blob_rows, check, restore_files, server_check
from db.backup import (
    BackupCancelled,
    Rotation,
    backup_to,
    failure_reason,
    list_backups,
    make_backup,
    prune_backups,
    prune_by_size,
)
from db.database import close_database, database_path, open_database
from db.errors import StorageError
from db.location import network_drive_warning
from db.models import data_folder, database, on_server
from db.partfiles import Partial, registry_for
from db.retry import retried

T = TypeVar("T")
Check = Callable[[], list[str]]
# (done, total, text): the maintenance jobs' progress, as ui.taskman's progress
Progress = Callable[[int, int, str], None]

# Every check of `python -m desktop check`, in order. Another area adds its own check
# (e.g. the audit chain) with one line here.
CHECKS: list[Check] = [
    check.integrity,
    check.schema,
    check.foreign_keys,
    check.search_index,
    audit.verify_chain,
    blob_rows.problems,
]


# The same on the office server (PostgreSQL): its own integrity, schema and index checks.
SERVER_CHECKS: list[Check] = [
    server_check.integrity,
    server_check.schema,
    server_check.search_index,
    server_check.search_locale,
    audit.verify_chain,
    blob_rows.problems,
]


# The quick checks of the daily start: SQLite's quick_check, the schema, and the audit
# log's triggers and head (the whole chain is the full check's).
QUICK_CHECKS: list[Check] = [check.quick_integrity, check.schema, audit.verify_head]


def check_estimate(*, quick: bool = False) -> str:
    """The cost said before a check starts, e.g. '检查约需 12 秒': calibrated on this PC's
    last run of each part (check_estimate)."""
    parts = SERVER_CHECKS if on_server() else QUICK_CHECKS if quick else CHECKS
    return f"检查约需 {check_estimate_uc.seconds(parts)} 秒"


def run_checks(
    *,
    quick: bool = False,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> list[str]:
    """All problems found in the open database (empty when sound): every check of CHECKS,
    or the QUICK_CHECKS when ``quick``. ``progress`` hears the estimate first, then each
    part as it ends; ``cancelled()`` is looked at between the parts, and inside the audit
    chain's between its batches (millions of entries at headquarters), which also say the
    entries read."""
    # the office server has its own checks, quick or not
    fns = SERVER_CHECKS if on_server() else QUICK_CHECKS if quick else CHECKS
    estimate = check_estimate(quick=quick)
    if progress is not None:
        progress(0, len(fns), estimate)
    problems: list[str] = []
    measured_on = {} if on_server() else check_estimate_uc.sizes()
    took: dict[str, float] = {}
    try:
        for i, fn in enumerate(fns):
            if cancelled is not None and cancelled():
                raise CheckCancelled("检查已取消")
            started = time.perf_counter()
            if fn is audit.verify_chain:
                problems.extend(
                    audit.verify_chain(_chain_progress(progress, i, len(fns), estimate), cancelled)
                )
            else:
                problems.extend(fn())
            took[fn.__name__] = time.perf_counter() - started
            if progress is not None:
                progress(i + 1, len(fns), "")
    finally:  # the parts that ran calibrate the next estimate, also of a cancelled check
        check_estimate_uc.remember(took, measured_on)
    return problems


def _chain_progress(
    progress: Progress | None, part: int, parts: int, estimate: str
) -> Progress | None:
    """The audit chain's batches as the check's progress: the share of the chain read moves
    the check on within its part, and the line says the entries read of those written."""
    if progress is None:
        return None
    # the parts counted in thousandths, so that the chain's batches move the share on
    scale = 1000

    def said(read: int, written: int, _text: str) -> None:
        within = read * scale // written if written else scale
        progress(
            part * scale + within,
            parts * scale,
            f"{estimate};审计日志已读 {read:,}/{written:,} 条",
        )

    return said


def in_own_connection(job: Callable[[], T]) -> T:
    """Run ``job`` on this thread's own database connection and close it afterwards: the
    maintenance thread's, apart from the worker's and the GUI's (WAL: its reads never block
    their writes)."""
    try:
        return job()
    finally:
        database.close()


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


def size_limit() -> int:
    """The most bytes the rotated backups may take: backup.max_size_factor × the database."""
    return int(float(settings.get("backup.max_size_factor")) * check.database_bytes())


def prune(backup_dir: Path, now: datetime) -> list[Path]:
    """The rotation by counts, then by size (the module's docstring)."""
    deleted = prune_backups(Path(backup_dir), now, rotation_from_settings(), _site_tz())
    return deleted + prune_to_size(backup_dir)


def prune_to_size(backup_dir: Path) -> list[Path]:
    """The rotation by size alone (after each snapshot before an import: an office that
    imports fifty ledgers a day keeps within the limit between two starts)."""
    return prune_by_size(Path(backup_dir), size_limit())


@retried  # one transaction: run again if the office server undid it
def set_size_factor(ctx: Context, factor: int) -> None:
    """Change backup.max_size_factor (设置 → 站点与数据); 1 to 100."""
    auth.require(ctx, "settings.site")
    if not 1 <= factor <= 100:
        raise UseCaseError("备份总量上限应为数据库大小的 1 至 100 倍")
    old = size_factor()
    if old == factor:
        return
    with database.atomic():
        settings.set_("backup.max_size_factor", int(factor))
        audit.record(
            ctx,
            "settings.update",
            table="settings",
            uid="backup.max_size_factor",
            changes={"backup.max_size_factor": (old, factor)},
            note=settings.OPTIONS["backup.max_size_factor"].doc,
        )


def size_factor() -> int:
    return int(settings.get("backup.max_size_factor"))


def _pages(progress: Progress | None, text: str) -> Callable[[int, int], None] | None:
    if progress is None:
        return None
    return lambda done, total: progress(done, total, text)


def auto_backup(
    backup_dir: Path,
    now: datetime,
    *,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Path | None:
    """The backup at start: at most one per local day (the office's time zone).

    Returns the new backup, or None when one was already made today. Records
    backup.last_auto, then prunes ``backup_dir`` by the rotation. Raises
    db.errors.BackupError when the copy cannot be written or fails verification
    (nothing is pruned then), BackupCancelled when ``cancelled()`` stopped it (nothing
    left, nothing recorded).
    """
    tz = _site_tz()
    last = settings.get("backup.last_auto")
    if last:
        try:
            if datetime.fromisoformat(last).astimezone(tz).date() == now.astimezone(tz).date():
                return None
        except ValueError:
            pass  # a garbled setting: make the backup
    path = make_backup(
        Path(backup_dir),
        reason="auto",
        now=now,
        progress=_pages(progress, "正在自动备份"),
        cancelled=cancelled,
    )
    settings.set_("backup.last_auto", now.isoformat(timespec="seconds"))
    prune(Path(backup_dir), now)
    return path


@dataclass(frozen=True)
class DailyReport:
    backup: Path | None  # None: today's was already made
    problems: list[str]  # the quick checks' findings (empty when sound)


def daily_maintenance(
    backup_dir: Path,
    now: datetime,
    *,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> DailyReport | None:
    """The day's backup, then the quick checks once the backup was made (once a day).
    None when cancelled: nothing half done is left or counted."""
    try:
        path = auto_backup(backup_dir, now, progress=progress, cancelled=cancelled)
        problems = run_checks(quick=True, progress=progress, cancelled=cancelled) if path else []
    except (BackupCancelled, CheckCancelled):
        return None
    return DailyReport(path, problems)


def default_backup_dir() -> Path:
    """This PC's backups folder: the data folder's ``backups``, on the office server too
    (named by ``--data-dir`` when the server was opened; never the working directory)."""
    folder = data_folder()
    if folder is None:
        if on_server():
            raise UseCaseError(
                "未指定本机的数据文件夹(--data-dir),不知道把办公室服务器的备份放在哪里"
            )
        raise UseCaseError("数据库尚未打开,无法备份")
    return folder / "backups"


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
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Path:
    """A verified backup made by hand: to ``out`` (a new file, or a folder to put it in),
    else into the backups folder beside the database. Never overwrites a file."""
    if ctx is not None:
        auth.require(ctx, "data.backup")
    now = now or datetime.now(UTC)
    if out is None:
        path = make_backup(
            backup_dir or default_backup_dir(),
            reason="manual",
            now=now,
            progress=_pages(progress, "正在备份"),
            cancelled=cancelled,
        )
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
                raise refusal(f"无法写入备份文件 {out}:{failure_reason(e)}", e) from None
    if ctx is not None:  # the file is written once; the audit entry is retried alone
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
    """Copy ``src`` into ``staging`` and check it; the schema version."""
    try:
        return restore_files.stage(src, staging)
    except restore_files.BadSource as e:
        raise RestoreRefused(str(e)) from None
    except restore_files.CannotStage as e:
        raise UseCaseError(str(e)) from None


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
    # a killed restore leaves its .part files to the next start, which removes them
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
            mine, theirs = restore_files.site_of(live), restore_files.site_of(staging)
            if mine and theirs and mine != theirs:
                raise OtherSiteBackup(
                    f"{src} 属于站点 {theirs},而本机数据属于站点 {mine}:为免误恢复,未作任何改动"
                )
        try:
            kept, sound = (
                restore_files.keep_live(live, paths.backups, now) if live_exists else (None, True)
            )
        except OSError as e:
            raise refusal(
                f"无法在 {paths.backups} 保存被替换的数据({failure_reason(e)}),未作任何改动", e
            ) from None
        try:
            restore_files.replace_live(staging, live, live_sound=sound)
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
                restore_files.replace_live(kept, live, live_sound=False)
                open_database(live, backup_dir=paths.backups, app_version=app_version)
            raise UseCaseError(f"恢复后无法打开数据库({e}),已放回原来的数据") from None
    finally:
        staging.unlink(missing_ok=True)
        for ext in ("-wal", "-shm", "-journal"):
            staging.with_name(staging.name + ext).unlink(missing_ok=True)
        if database.is_closed() and live.exists():
            # refused after closing: the live data is untouched, open it again
            with contextlib.suppress(StorageError):
                open_database(live, backup_dir=paths.backups, app_version=app_version)
    if ctx is not None:
        with database.atomic():
            audit.record(ctx, "data.restore", note=f"{src} → 原数据另存为 {kept}")
    return RestoreReport(
        src, kept, sound, version, report.version_after, report.backup, run_checks()
    )


def backups(folder: Path) -> list:
    """The backups in ``folder``, newest first (for the settings page: ui never reads db/)."""
    return list_backups(folder)


def location_warning(folder: Path) -> str | None:
    """A warning when the data folder is on a network drive, where SQLite is not safe."""
    return network_drive_warning(folder)

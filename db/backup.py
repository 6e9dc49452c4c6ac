"""Backups with SQLite's online backup API, each verified (integrity_check, or quick_check
for the snapshot before an import), copied in steps from one read snapshot so that a save
on another connection never waits for it, with progress and cancel between steps."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from db.errors import OTHER_OS_TROUBLE, BackupError, os_trouble, os_words
from db.models import data_folder, database, on_server
from db.partfiles import REGISTRY, Partial
from db.server_errors import driver_error, server_trouble

if TYPE_CHECKING:
    from db.server_snapshot import ServerSnapshot

BACKUP_SUFFIX = ".sqlite3"
STEP_PAGES = 4096  # pages copied per step: progress and cancel are looked at between steps

# (pages copied, pages in all), called on the thread that makes the backup
BackupProgress = Callable[[int, int], None]


class BackupCancelled(Exception):
    """The backup was stopped by its ``cancelled()``; nothing of it is left on disk."""


def integrity_problems(path: Path, *, quick: bool = False) -> list[str]:
    """The lines of ``PRAGMA integrity_check`` (``quick_check`` when ``quick``: pages and
    records, not the indexes' agreement with their tables) that are not 'ok'."""
    pragma = "quick_check" if quick else "integrity_check"
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = [r[0] for r in conn.execute(f"PRAGMA {pragma}")]
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        return [str(e)]
    return [] if rows == ["ok"] else rows


def write_failure(e: BaseException) -> str | None:
    """A full disk, a folder that cannot be written, or another common failure of the
    system's (db.errors.OS_WORDS), as a person reads it (None: the failure is something
    else). SQLite's own errors carry no errno: their texts are read."""
    text = str(e)
    if "database or disk is full" in text:
        return os_words(errno.ENOSPC)
    if (
        "readonly" in text
        or "unable to open database file" in text
        or getattr(e, "errno", None) in (errno.EACCES, errno.EPERM, errno.EROFS)
    ):
        return "该文件夹不可写(没有写入权限或磁盘只读),请换一个文件夹"
    if "disk I/O error" in text:
        return os_words(errno.EIO)
    return os_trouble(e)


def failure_reason(e: BaseException) -> str:
    """Why a copy could not be written, in Chinese whatever the failure: write_failure's
    words, else a sentence that sends to 详细信息 (where the caller keeps ``repr(e)``)."""
    if isinstance(e, sqlite3.DatabaseError) and (
        "malformed" in str(e) or "not a database" in str(e)
    ):  # the database being copied, not the folder written
        return "正在使用的数据库文件已损坏,无法完整复制:请运行完整检查并联系管理员"
    return write_failure(e) or OTHER_OS_TROUBLE


def backup_to(
    dest: Path,
    *,
    source: sqlite3.Connection | None = None,
    quick: bool = False,
    progress: BackupProgress | None = None,
    cancelled: Callable[[], bool] | None = None,
    snapshot: ServerSnapshot | None = None,
) -> Path:
    """Copy the open database (or ``source``; on the server, the held ``snapshot`` of it)
    to ``dest`` and verify it.

    Atomic: written to a temp file, checked with integrity_check (quick_check when
    ``quick``), then renamed; a copy that fails the check is deleted and BackupError
    raised, so a backup file that exists is a sound one. ``cancelled()`` true between two
    steps raises BackupCancelled and leaves nothing behind.
    """
    dest = Path(dest)
    tmp = dest.with_name(dest.name + ".part")
    folder = data_folder()  # a kill leaves a .part the next start deletes
    with Partial(tmp, folder / REGISTRY if folder is not None else None):
        return _backup_to(dest, tmp, source, quick, progress, cancelled, snapshot)


def _remove_part(tmp: Path) -> None:
    for leftover in (tmp, tmp.with_name(tmp.name + "-journal")):
        with contextlib.suppress(OSError):
            leftover.unlink(missing_ok=True)


def _copy(
    source: sqlite3.Connection,
    target: sqlite3.Connection,
    progress: BackupProgress | None,
    cancelled: Callable[[], bool] | None,
) -> None:
    """The page copy, in steps, all from one read snapshot of ``source``: in WAL mode a
    writer on another connection goes on meanwhile, and its commits neither wait for the
    copy nor make it start again (they are simply not in it)."""

    def step(_status: int, remaining: int, total: int) -> None:
        if cancelled is not None and cancelled():
            raise BackupCancelled
        if progress is not None:
            progress(total - remaining, total)

    snapshot = not source.in_transaction
    if snapshot:
        source.execute("BEGIN")  # deferred: a read snapshot, no write lock
        source.execute("SELECT count(*) FROM sqlite_master").fetchone()
    try:
        source.backup(target, pages=STEP_PAGES, progress=step)
    finally:
        if snapshot:
            source.execute("COMMIT")


def _backup_to(
    dest: Path,
    tmp: Path,
    source: sqlite3.Connection | None,
    quick: bool,
    progress: BackupProgress | None,
    cancelled: Callable[[], bool] | None,
    snapshot: ServerSnapshot | None = None,
) -> Path:
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        if tmp.exists():
            tmp.unlink()
        if source is None and not on_server():
            source = database.connection()
        target = sqlite3.connect(tmp)
        try:
            if source is None:  # the office server: its rows copied into a file of our schema
                # db.server_copy builds the schema through db.database, which imports this one
                from db.server_copy import copy_server_to

                conn = snapshot.conn if snapshot is not None else None
                copy_server_to(target, conn, progress=progress, cancelled=cancelled)
            else:
                _copy(source, target, progress, cancelled)
            # A standalone file: no -wal beside it, whatever the source's journal mode.
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
    except BackupCancelled:
        _remove_part(tmp)
        raise
    except (sqlite3.Error, OSError) as e:
        # nothing half-written stays behind, and the reason is a sentence
        _remove_part(tmp)
        failed = BackupError(f"无法写入备份文件 {dest}:{failure_reason(e)}")
        failed.detail = repr(e)  # the system's own words, behind 详细信息
        raise failed from None
    except Exception as e:
        if driver_error(e) is None:
            raise
        # the office server's rows stopped coming (psycopg's error: this PC's SQLite start
        # never imports psycopg, so it is known by db.server_errors instead)
        _remove_part(tmp)
        said = server_trouble(e) or driver_error(e)
        raise BackupError(f"读取服务器上的数据时出错,备份 {dest} 未写成:{said}") from e
    if cancelled is not None and cancelled():
        _remove_part(tmp)
        raise BackupCancelled
    problems = integrity_problems(tmp, quick=True) if quick else integrity_problems(tmp)
    if problems:
        tmp.unlink(missing_ok=True)
        raise BackupError(f"备份校验失败({dest}),已删除该文件:{'; '.join(problems[:3])}")
    os.replace(tmp, dest)
    return dest


def make_backup(
    folder: Path,
    *,
    reason: str,
    now: datetime | None = None,
    source: sqlite3.Connection | None = None,
    quick: bool = False,
    progress: BackupProgress | None = None,
    cancelled: Callable[[], bool] | None = None,
    snapshot: ServerSnapshot | None = None,
) -> Path:
    """A verified backup in ``folder`` named by time and reason (see backup_to)."""
    return backup_to(
        backup_path(folder, reason, now),
        source=source,
        quick=quick,
        progress=progress,
        cancelled=cancelled,
        snapshot=snapshot,
    )


def backup_path(folder: Path, reason: str, now: datetime | None = None) -> Path:
    """The name make_backup gives a backup made ``now`` for ``reason``."""
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(folder) / f"complaintdesk-{stamp}-{reason}{BACKUP_SUFFIX}"


# --- Rotation ---------------------------------------------------------------------------
#
# Which backups to keep is decided from their times alone (a pure function, tested with
# hypothesis). The rule counts *buckets that hold a backup*, newest first (borg/restic
# habit), not calendar days: an office that did not start the app for a month keeps its
# last twelve daily backups rather than losing them all to the calendar.


@dataclass(frozen=True)
class Rotation:
    """How many backups to keep (settings backup.keep_*)."""

    recent_days: int = 2  # keep every backup younger than this many days
    daily: int = 12  # then the newest of each of the newest N local days that have one
    weekly: int = 10  # ... of each ISO week
    monthly: int = 9  # ... of each calendar month

    def bound(self, recent_count: int) -> int:
        """The most backups this rotation can keep when ``recent_count`` are recent."""
        return recent_count + max(1, self.daily + self.weekly + self.monthly)


def _newest_per_bucket(stamps: list[datetime], key, count: int) -> set[datetime]:
    kept: set[datetime] = set()
    seen: set = set()
    for s in stamps:  # newest first
        if len(seen) >= count:
            break
        k = key(s)
        if k not in seen:
            seen.add(k)
            kept.add(s)
    return kept


def stamps_to_keep(
    stamps: Iterable[datetime], now: datetime, rotation: Rotation, tz: tzinfo
) -> set[datetime]:
    """The subset of ``stamps`` (aware times of backups) that the rotation keeps.

    Always keeps the newest one, keeps everything younger than ``recent_days`` (and
    anything stamped in the future: a clock set wrong is no reason to delete), then
    the newest per local day / ISO week / month for the newest N of each. Applying it
    to its own result changes nothing.
    """
    ordered = sorted(set(stamps), reverse=True)
    if not ordered:
        return set()
    cutoff = now - timedelta(days=rotation.recent_days)
    kept = {ordered[0]}
    kept.update(s for s in ordered if s > cutoff)

    def local(s: datetime) -> datetime:
        return s.astimezone(tz)

    kept |= _newest_per_bucket(ordered, lambda s: local(s).date(), rotation.daily)
    kept |= _newest_per_bucket(ordered, lambda s: local(s).isocalendar()[:2], rotation.weekly)
    kept |= _newest_per_bucket(ordered, lambda s: (local(s).year, local(s).month), rotation.monthly)
    return kept


# complaintdesk-20261120T013000Z-auto.sqlite3 / ...-before-migration-v1.sqlite3
_NAME_RE = re.compile(
    r"^complaintdesk-(\d{8}T\d{6}Z)-([a-z0-9-]+)" + re.escape(BACKUP_SUFFIX) + "$"
)


@dataclass(frozen=True)
class BackupFile:
    path: Path
    at: datetime  # aware, UTC
    reason: str  # auto, manual, before-migration-v1, before-restore

    @property
    def series(self) -> str:
        """The rotation series: 'before-migration-v1' and '-v3' are one series."""
        return re.sub(r"-v\d+$", "", self.reason)


def parse_backup_name(path: Path) -> BackupFile | None:
    """A backup made by make_backup, or None for any other file (left alone)."""
    m = _NAME_RE.match(Path(path).name)
    if not m:
        return None
    try:
        at = datetime.strptime(m.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None
    return BackupFile(Path(path), at, m.group(2))


def list_backups(folder: Path) -> list[BackupFile]:
    """The backups in ``folder``, newest first."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = [b for p in folder.iterdir() if p.is_file() and (b := parse_backup_name(p))]
    return sorted(found, key=lambda b: b.at, reverse=True)


# Series the rotation never prunes: a backup somebody asked for by hand stays until a
# person deletes it.
UNROTATED_SERIES = frozenset({"manual"})


def prune_backups(folder: Path, now: datetime, rotation: Rotation, tz: tzinfo) -> list[Path]:
    """Delete the backups the rotation does not keep; returns what was deleted.

    Each series (auto, before-migration, before-restore) is rotated on its own, so a
    run of daily automatic backups never pushes out the copy made before a migration
    or a restore; 'manual' backups and files not named by make_backup are never touched
    (except half-written '.part' copies more than a day old).
    """
    by_series: dict[str, list[BackupFile]] = {}
    for b in list_backups(folder):
        if b.series not in UNROTATED_SERIES:
            by_series.setdefault(b.series, []).append(b)
    deleted: list[Path] = []
    # Half-written copies left by a crash during a backup (a backup in progress right
    # now is younger than a day).
    for part in Path(folder).glob(f"complaintdesk-*{BACKUP_SUFFIX}.part"):
        try:
            if part.stat().st_mtime < now.timestamp() - 86_400:
                part.unlink()
                deleted.append(part)
        except OSError:
            pass
    for files in by_series.values():
        keep = stamps_to_keep([b.at for b in files], now, rotation, tz)
        for b in files:
            if b.at not in keep:
                b.path.unlink(missing_ok=True)
                deleted.append(b.path)
    return deleted


# --- Rotation by size ---------------------------------------------------------------------
#
# On top of the count rotation: the rotated backups together stay within a size limit
# (setting backup.max_size_factor × the database on disk). The newest backup of each series
# is always kept (the copy before a migration, a restore or an import is the way back);
# the others are kept newest first while they fit, so the oldest go first.


def sizes_to_keep(files: list[tuple[datetime, str, int]], limit: int) -> set[int]:
    """Indexes into ``files`` (time, series, bytes) of the backups kept within ``limit``
    bytes: the newest of each series, then the rest newest first while the total fits."""
    order = sorted(range(len(files)), key=lambda i: files[i][0], reverse=True)
    kept: set[int] = set()
    seen: set[str] = set()
    total = 0
    for i in order:
        if files[i][1] not in seen:
            seen.add(files[i][1])
            kept.add(i)
            total += files[i][2]
    for i in order:
        if i not in kept and total + files[i][2] <= limit:
            kept.add(i)
            total += files[i][2]
    return kept


def prune_by_size(folder: Path, limit: int) -> list[Path]:
    """Delete the oldest rotated backups until they fit in ``limit`` bytes (see
    sizes_to_keep); 'manual' backups are never touched nor counted. Returns the deleted."""
    files: list[tuple[BackupFile, int]] = []
    for b in list_backups(folder):
        if b.series in UNROTATED_SERIES:
            continue
        try:
            files.append((b, b.path.stat().st_size))
        except OSError:
            continue
    keep = sizes_to_keep([(b.at, b.series, size) for b, size in files], limit)
    deleted: list[Path] = []
    for i, (b, _size) in enumerate(files):
        if i not in keep:
            b.path.unlink(missing_ok=True)
            deleted.append(b.path)
    return deleted

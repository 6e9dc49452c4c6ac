"""The safety net a ledger import stands on: a backup file the same ``restore`` reads, of the
data as it was before the import, in this PC's backups folder (the data folder's
``backups``).

On this PC's SQLite file every import gets its own before it starts: a page copy of the
file, checked with quick_check (the day's backup is the fully verified one).

On the office server the backup is every row of the office's database read over the network
and written into a SQLite file of the same schema (db/server_copy.py): a minute at 100,000
cases, ten at a million, so nobody waits for it. Before the import's transaction starts, a
connection of its own fixes a snapshot of the office (db/server_snapshot.py: a read-only
REPEATABLE READ transaction); the import then runs and commits at once while the backup is
written from that snapshot in the background (the GUI's maintenance thread; the CLI's own
thread, which the command waits for before it ends). The snapshot sees the office as it was
before the import, whatever this import or another seat commits meanwhile. Until it is
whole, the file is a ``.part`` no backup list shows (db/partfiles.py). The first import of
the day on this PC makes one; a later import that day names that one instead of making
another (bench/bench_server_backup.py times both). The import itself is one transaction,
undone whole on any failure; the backup is for an import that succeeded with the wrong file.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from complaints.usecases import storage
from complaints.usecases.errors import UseCaseError, refusal
from db.backup import (
    BackupCancelled,
    backup_path,
    backup_to,
    failure_reason,
    list_backups,
    make_backup,
    parse_backup_name,
)
from db.errors import StorageError
from db.models import on_server

if TYPE_CHECKING:
    from db.server_snapshot import ServerSnapshot

REASON = "before-import"
# In the backups folder: one line per before-import backup abandoned at exit, said (and
# deleted) at the next start.
ABANDONED_NOTE = "abandoned-before-import.txt"
# (rows done, rows estimated) while the server's backup is written
Progress = Callable[[int, int], None]

# The server's backups of this process begun and not yet written or given up: a later
# import that day names the one being written rather than beginning another.
_in_flight: set[Path] = set()
_in_flight_lock = threading.Lock()


class PendingBackup:
    """The server's backup before an import: its snapshot fixed, its file not yet written.
    ``write()`` once, on any thread (or ``abandon()``); either ends the snapshot."""

    def __init__(self, path: Path, snapshot: ServerSnapshot) -> None:
        self.path = path
        self._snapshot = snapshot
        with _in_flight_lock:
            _in_flight.add(path)

    def _end(self) -> None:
        self._snapshot.close()
        with _in_flight_lock:
            _in_flight.discard(self.path)

    def write(
        self, progress: Progress | None = None, cancelled: Callable[[], bool] | None = None
    ) -> Path:
        """Write the file from the snapshot and check it. Raises UseCaseError when it could
        not be written (the import stands either way), BackupCancelled when ``cancelled()``
        stopped it (the half-written file removed and noted for the next start)."""
        try:
            path = backup_to(
                self.path,
                quick=True,
                progress=progress,
                cancelled=cancelled,
                snapshot=self._snapshot,
            )
        except BackupCancelled:
            note_abandoned(self.path)
            raise
        except (StorageError, OSError) as e:
            raise UseCaseError(failure_said(self.path, e)) from None
        finally:
            self._end()
        # the file is whole: a rotation that fails now is done again after the next backup,
        # and must not say this one was lost
        with contextlib.suppress(StorageError, OSError):
            storage.prune_to_size(self.path.parent)
        return path

    def abandon(self) -> None:
        """Never written (the program quit first): the snapshot ends, the next start says so."""
        self._end()
        note_abandoned(self.path)


def failure_said(path: Path, e: BaseException) -> str:
    return (
        f"导入前备份未能写完({path.name}):{e}\n导入本身不受影响(已导入的数据保留);"
        "办公室现在没有这次导入之前的备份,请尽快在 设置 → 站点与数据 中备份一份,"
        "或请服务器管理员运行 pg_dump。"
    )


def note_abandoned(path: Path) -> None:
    with contextlib.suppress(OSError):  # a courtesy to the next start, never a new failure
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path.parent / ABANDONED_NOTE, "a", encoding="utf-8") as f:
            f.write(f"{path.name}\n")


def take_abandoned(folder: Path) -> list[str]:
    """The before-import backups abandoned at exit since the last start (their names), the
    note then deleted: what the start says once."""
    note = Path(folder) / ABANDONED_NOTE
    try:
        names = [n for n in note.read_text(encoding="utf-8").splitlines() if n.strip()]
        note.unlink()
    except OSError:
        return []
    return names


def abandoned_said(names: list[str]) -> str:
    return (
        f"上次退出时放弃了 {len(names)} 份尚未写完的导入前备份({'、'.join(names)}),"
        "未完成的文件已删除。如需导入前的数据,请在 设置 → 站点与数据 中备份一份。"
    )


class BackgroundBackup:
    """A pending backup written on a thread of its own (the CLI's; a caller without the
    GUI's maintenance thread), beside the import."""

    def __init__(self, pending: PendingBackup) -> None:
        self.pending = pending
        self._cancel = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="import-backup", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            storage.in_own_connection(lambda: self.pending.write(cancelled=self._cancel.is_set))
        except BaseException as e:  # handed to wait(), on the caller's thread
            self._error = e

    def wait(self) -> Path:
        """The file once written; raises what the writing raised (UseCaseError, ...). An
        interrupt while waiting abandons the backup (nothing half-written stays)."""
        try:
            self._thread.join()
        except BaseException:
            self._cancel.set()
            self._thread.join()
            raise
        if self._error is not None:
            raise self._error
        return self.pending.path


@dataclass(frozen=True)
class ImportBackup:
    path: Path
    made_now: bool  # False: the server's backup made before an earlier import today
    pending: PendingBackup | None = None  # the server's, to be written from its snapshot

    def said(self) -> str:
        """The sentence an import's report shows of it (the GUI and the CLI)."""
        if self.pending is not None:
            return f"导入前备份:{self.path}(正在后台写入导入前的数据,写完后另行告知)"
        if self.made_now:
            return f"导入前备份:{self.path}"
        return (
            f"导入前备份:{self.path}(办公室服务器上的数据每天在本机第一次导入前备份一次,"
            "本次沿用今天的这份)"
        )


def today_on_server(folder: Path, now: datetime, tz: tzinfo) -> Path | None:
    """The server's before-import backup made on this PC today (the office's local day), or
    the one this process is still writing."""
    today = now.astimezone(tz).date()
    with _in_flight_lock:
        being_written = [p for p in _in_flight if p.parent == Path(folder)]
    for path in sorted(being_written, reverse=True):  # newest first (named by time)
        name = parse_backup_name(path)
        if name is not None and name.reason == REASON and name.at.astimezone(tz).date() == today:
            return path
    for b in list_backups(folder):  # newest first
        if b.reason == REASON and b.at.astimezone(tz).date() == today:
            return b.path
    return None


def before_import(folder: Path | None, now: datetime, tz: tzinfo) -> ImportBackup:
    """The backup an import stands on, in ``folder`` (default: this PC's backups folder):
    on the server, its snapshot fixed now and the file still to write (``pending``).
    Raises UseCaseError (nothing imported) when it cannot be made."""
    target = Path(folder) if folder is not None else storage.default_backup_dir()
    try:
        if on_server():
            earlier = today_on_server(target, now, tz)
            if earlier is not None:
                return ImportBackup(earlier, made_now=False)
            # psycopg (0.13 s to import) only on the office server: a SQLite start never loads it
            from db import server_snapshot

            target.mkdir(parents=True, exist_ok=True)  # a folder it cannot write fails now
            snapshot = server_snapshot.hold()
            path = backup_path(target, REASON, now)
            return ImportBackup(path, made_now=True, pending=PendingBackup(path, snapshot))
        path = make_backup(target, reason=REASON, now=now, quick=True)
        storage.prune_to_size(target)
    except (StorageError, OSError) as e:  # a StorageError says itself, in Chinese
        said = str(e) if isinstance(e, StorageError) else failure_reason(e)
        raise refusal(f"导入前备份失败,未导入任何数据:{said}", e) from None
    return ImportBackup(path, made_now=True)

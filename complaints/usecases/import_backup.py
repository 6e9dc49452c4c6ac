"""The safety net a ledger import writes before it changes anything: a backup file the same
``restore`` reads, in this PC's backups folder (the data folder's ``backups``).

On this PC's SQLite file every import gets its own: a page copy of the file, checked with
quick_check (the day's backup is the fully verified one).

On the office server the backup is every row of the office's database read over the network
and written into a SQLite file of the same schema, its search index built as the rows arrive
(db/server_copy.py): a copy of the whole office each time, so the first import of the day on
this PC makes one, and a later import that day names that one instead of making another
(bench/bench_server_backup.py times it). The import itself is one
transaction, undone whole on any failure; the backup is for an import that succeeded with
the wrong file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path

from complaints.usecases import storage
from complaints.usecases.errors import UseCaseError
from db.backup import list_backups, make_backup
from db.errors import StorageError
from db.models import on_server

REASON = "before-import"


@dataclass(frozen=True)
class ImportBackup:
    path: Path
    made_now: bool  # False: the server's backup made before an earlier import today

    def said(self) -> str:
        """The sentence an import's report shows of it (the GUI and the CLI)."""
        if self.made_now:
            return f"导入前备份:{self.path}"
        return (
            f"导入前备份:{self.path}(办公室服务器上的数据每天在本机第一次导入前备份一次,"
            "本次沿用今天的这份)"
        )


def today_on_server(folder: Path, now: datetime, tz: tzinfo) -> Path | None:
    """The server's before-import backup made on this PC today (the office's local day)."""
    today = now.astimezone(tz).date()
    for b in list_backups(folder):  # newest first
        if b.reason == REASON and b.at.astimezone(tz).date() == today:
            return b.path
    return None


def before_import(folder: Path | None, now: datetime, tz: tzinfo) -> ImportBackup:
    """The backup an import stands on, in ``folder`` (default: this PC's backups folder).
    Raises UseCaseError (nothing imported) when it cannot be written."""
    target = Path(folder) if folder is not None else storage.default_backup_dir()
    try:
        if on_server():
            earlier = today_on_server(target, now, tz)
            if earlier is not None:
                return ImportBackup(earlier, made_now=False)
        path = make_backup(target, reason=REASON, now=now, quick=True)
        storage.prune_to_size(target)
    except (StorageError, OSError) as e:
        raise UseCaseError(f"导入前备份失败,未导入任何数据:{e}") from None
    return ImportBackup(path, made_now=True)

"""Where the data lives: the user's data folder (platformdirs), never beside the
program, so an upgrade or reinstall leaves it alone. ``--data-dir`` overrides it."""

from __future__ import annotations

import ntpath
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from desktop import APP_NAME


@dataclass(frozen=True)
class DataPaths:
    root: Path

    @property
    def database(self) -> Path:
        return self.root / "complaintdesk.sqlite3"

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    @property
    def attachments(self) -> Path:
        return self.root / "attachments"

    @property
    def templates(self) -> Path:
        """The office's own form templates, overriding the shipped ones."""
        return self.root / "templates"

    @property
    def printed(self) -> Path:
        return self.root / "printed"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def drafts(self) -> Path:
        """Unsaved edits of open case windows (crash recovery)."""
        return self.root / "drafts"


PRIVATE_UMASK = 0o077  # new files 0600, new folders 0700: customers' data is the owner's alone


def private_umask() -> int | None:
    """From here on, every file the program makes is its owner's alone (Linux, macOS): the
    database, its WAL, backups, attachments, drafts; also exported files, which hold
    customers' names and phones too. Returns the umask it replaced (None elsewhere)."""
    return os.umask(PRIVATE_UMASK) if os.name == "posix" else None


def restore_umask(previous: int | None) -> None:
    if previous is not None:
        os.umask(previous)


def secure_data_dir(root: Path) -> None:
    """Create the data folder 0700, and take group's and others' rights from an existing one
    (from an older version, or copied in) and from its own files. Only the folder and the
    files directly in it are touched: the folder's mode alone keeps everyone else out of
    what lies below."""
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name != "posix":
        return
    # Group and others lose their bits; the owner's are left as they are, so a folder or
    # file its owner made read-only stays read-only (and is reported as such).
    try:
        mode = stat.S_IMODE(root.stat().st_mode)
        if mode & 0o077:
            root.chmod(mode & ~0o077)
        for entry in os.scandir(root):
            if not entry.is_file(follow_symlinks=False):
                continue
            mode = stat.S_IMODE(entry.stat(follow_symlinks=False).st_mode)
            if mode & 0o077:
                os.chmod(entry.path, mode & ~0o077)
    except OSError:  # a folder we do not own (a shared drive): its owner decides
        pass


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False, roaming=False))


def data_paths(override: Path | str | None = None) -> DataPaths:
    root = Path(override).expanduser().resolve() if override else default_data_dir()
    return DataPaths(root)


# Windows' MAX_PATH: a path of 260 characters or more breaks programs that do not opt in to
# long paths (Word, Excel, parts of Qt and SQLite on a PC without LongPathsEnabled).
WINDOWS_MAX_PATH = 260
# What the program writes inside the data folder needs room too: the longest of its own
# names is ``backups\complaintdesk-20261206T101010Z-before-restore-damaged.sqlite3`` (66),
# attachments keep the clerk's file name under a case folder.
ROOM_INSIDE = 100


def data_dir_problem(override: Path | str, *, platform: str | None = None) -> str | None:
    """Why ``--data-dir`` cannot be used on this system (a Chinese message), or None.

    On Windows a folder whose path leaves fewer than ``ROOM_INSIDE`` characters below the
    260-character limit is refused before anything is created in it: the database would open,
    and a backup or an attachment would fail later. ``platform`` is for tests."""
    platform = platform or sys.platform
    if platform != "win32":
        return None
    text = str(override)
    full = ntpath.abspath(text) if sys.platform == "win32" else ntpath.normpath(text)
    limit = WINDOWS_MAX_PATH - ROOM_INSIDE
    if len(full) <= limit:
        return None
    return (
        f"数据文件夹路径太长({len(full)} 个字符):{full}\n"
        f"Windows 的路径上限为 {WINDOWS_MAX_PATH} 个字符,文件夹内的备份和附件还需要约 "
        f"{ROOM_INSIDE} 个字符,所以数据文件夹的路径最多 {limit} 个字符。"
        "请选择更短的路径,例如 D:\\客诉数据。"
    )

"""Where the data lives: the user's data folder (platformdirs), never beside the
program, so an upgrade or reinstall leaves it alone. ``--data-dir`` overrides it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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


PRIVATE_UMASK = 0o077  # new files 0600, new folders 0700 (issue 15 §7)


def private_umask() -> int | None:
    """From here on, every file the program makes is its owner's alone (Linux, macOS): the
    database, its WAL, backups, attachments, drafts; also exported files, which hold
    customers' names and phones too. Returns the umask it replaced (None elsewhere)."""
    import os

    return os.umask(PRIVATE_UMASK) if os.name == "posix" else None


def restore_umask(previous: int | None) -> None:
    import os

    if previous is not None:
        os.umask(previous)


def secure_data_dir(root: Path) -> None:
    """Create the data folder 0700, and make an existing one (from an older version, or
    copied in) 0700 with its own files 0600. Only the folder and the files directly in it
    are touched: the folder's mode alone keeps everyone else out of what lies below."""
    import os
    import stat

    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name != "posix":
        return
    try:
        if stat.S_IMODE(root.stat().st_mode) != 0o700:
            root.chmod(0o700)
        for entry in os.scandir(root):
            if entry.is_file(follow_symlinks=False) and \
                    stat.S_IMODE(entry.stat(follow_symlinks=False).st_mode) & 0o077:
                os.chmod(entry.path, 0o600)
    except OSError:  # a folder we do not own (a shared drive): its owner decides
        pass


def default_data_dir() -> Path:
    import platformdirs  # only when no --data-dir is given (its import costs ~5 ms at start)

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False, roaming=False))


def data_paths(override: Path | str | None = None) -> DataPaths:
    root = Path(override).expanduser().resolve() if override else default_data_dir()
    return DataPaths(root)

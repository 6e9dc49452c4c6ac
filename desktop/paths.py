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


def default_data_dir() -> Path:
    import platformdirs  # only when no --data-dir is given (its import costs ~5 ms at start)

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False, roaming=False))


def data_paths(override: Path | str | None = None) -> DataPaths:
    root = Path(override).expanduser().resolve() if override else default_data_dir()
    return DataPaths(root)

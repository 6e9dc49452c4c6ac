"""File dialogs that start where people keep their files: the folder used
last for the same kind of file, else Documents; a suggested name that says what and when
(SH01_台账_2026-12-07.xlsx, the office's date); the platform's own dialog where there is
one (Qt's translated dialog elsewhere)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

from ui import options


def _settings(parent: QWidget | None) -> QSettings:
    session = getattr(parent, "session", None)
    return getattr(session, "ui_settings", None) or QSettings()


def start_folder(parent: QWidget | None, kind: str) -> Path:
    """The folder used last for ``kind`` (if it still exists), else Documents."""
    last = options.LAST_FOLDER.read(_settings(parent), kind)
    if last and Path(last).is_dir():
        return Path(last)
    docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(docs) if docs and Path(docs).is_dir() else Path.home()


def remember_folder(parent: QWidget | None, kind: str, path: Path) -> None:
    options.LAST_FOLDER.write(_settings(parent), str(path.parent if path.suffix else path), kind)


def suggested_name(site: str | None, what: str, when: datetime, suffix: str) -> str:
    """SH01_台账_2026-12-07.xlsx: ``when`` is already in the office's time zone."""
    head = f"{site}_" if site else ""
    return f"{head}{what}_{when:%Y-%m-%d}{suffix}"


def ask_save(
    parent: QWidget | None, kind: str, title: str, name: str, file_filter: str
) -> Path | None:
    """A save dialog in the last folder of ``kind`` with ``name`` suggested; the folder is
    remembered. None if cancelled."""
    start = start_folder(parent, kind) / name
    path, _ = QFileDialog.getSaveFileName(parent, title, str(start), file_filter)
    if not path:
        return None
    chosen = Path(path)
    remember_folder(parent, kind, chosen)
    return chosen


def ask_open(parent: QWidget | None, kind: str, title: str, file_filter: str) -> list[Path]:
    files, _ = QFileDialog.getOpenFileNames(
        parent, title, str(start_folder(parent, kind)), file_filter
    )
    paths = [Path(f) for f in files]
    if paths:
        remember_folder(parent, kind, paths[0])
    return paths

"""A file the person chose is open in Word, Excel or WPS (OutputInUse): say so, naming the
file, and offer to save under a free name beside it (or another the person picks), never a
traceback. One place for every page that writes such a file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from complaints.usecases.output_files import OutputInUse
from ui.error_detail import said
from ui.taskman import show_error


def tr(text: str) -> str:
    return QCoreApplication.translate("SaveElsewhere", text)


def ask_other_name(parent: QWidget | None, exc: OutputInUse) -> Path | None:
    """The message of ``exc`` with 另存为 <free name> (default), 另选文件… and 取消; the
    path to write instead, or None."""
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        tr("文件被占用"),
        said(exc).message,
        QMessageBox.StandardButton.NoButton,
        parent,
    )
    box.setObjectName("outputInUseBox")
    other = box.addButton(
        tr("另存为 {0}").format(exc.alternative.name), QMessageBox.ButtonRole.AcceptRole
    )
    choose = box.addButton(tr("另选文件…"), QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(other)
    box.exec()
    clicked = box.clickedButton()
    if clicked is other:
        return exc.alternative
    if clicked is choose:
        suffix = exc.path.suffix
        name, _ = QFileDialog.getSaveFileName(
            parent, tr("另存为"), str(exc.alternative), f"*{suffix}" if suffix else ""
        )
        if name:
            path = Path(name)
            return (
                path
                if not suffix or path.suffix.lower() == suffix.lower()
                else path.with_name(path.name + suffix)
            )
    return None


def retry_elsewhere(
    parent: QWidget, retry: Callable[[Path], None]
) -> Callable[[BaseException], None]:
    """An ``on_error`` for taskman.run: OutputInUse asks for another name and calls
    ``retry(path)`` with it; any other error goes to the usual message."""

    def on_error(exc: BaseException) -> None:
        if isinstance(exc, OutputInUse):
            path = ask_other_name(parent, exc)
            if path is not None:
                retry(path)
            return
        show_error(exc, parent)

    return on_error

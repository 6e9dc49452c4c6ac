"""A progress dialog that only appears when work takes a while (the Anki habit).

Short work never flashes a dialog: it is shown after ``delay_ms`` (0.5 s) if the
work is still running by then.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtWidgets import QProgressDialog, QPushButton, QWidget

SHOW_AFTER_MS = 500


def tr(text: str) -> str:
    return QCoreApplication.translate("Progress", text)


class DelayedProgress:
    """Wraps a QProgressDialog that is created only if the work outlives the delay."""

    def __init__(
        self,
        label: str,
        *,
        parent: QWidget | None = None,
        cancellable: bool = False,
        on_cancel=None,
        delay_ms: int = SHOW_AFTER_MS,
    ):
        self._label = label
        self._parent = parent
        self._cancellable = cancellable
        self._on_cancel = on_cancel
        self._dialog: QProgressDialog | None = None
        self._value: tuple[int, int, str] | None = None
        self._finished = False
        self._cancelling = False  # 取消 pressed, the work not yet stopped
        self._note = ""  # a line under the label, e.g. waiting for another writer
        self._timer = QTimer()
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.show_now)
        self._timer.start(delay_ms)

    @property
    def dialog(self) -> QProgressDialog | None:
        """The dialog, once shown (None while the work is still quick)."""
        return self._dialog

    def show_now(self) -> None:
        if self._finished or self._dialog is not None:
            return
        d = QProgressDialog(
            self._label, tr("取消") if self._cancellable else "", 0, 0, self._parent
        )
        d.setWindowTitle(tr("请稍候"))
        d.setWindowModality(Qt.WindowModality.WindowModal)
        d.setMinimumDuration(0)
        d.setAutoClose(False)
        d.setAutoReset(False)
        d.setMinimumWidth(360)
        if not self._cancellable:
            d.setCancelButton(None)
        else:
            d.canceled.connect(self._cancel)
        self._dialog = d
        if self._value is not None:
            self._apply(*self._value)
        self._show_label()
        d.show()

    def _cancel(self) -> None:
        # QProgressDialog hides itself on 取消, but the work stops only at its next safe
        # point (a big import rolls back first): the dialog stays, saying so, until
        # finish(), so nobody takes work still running for work done.
        self._cancelling = True
        d = self._dialog
        if d is not None:
            button = d.findChild(QPushButton)
            if button is not None:
                button.setEnabled(False)
            self._show_label()
            d.show()
        if self._on_cancel is not None:
            self._on_cancel()

    def update(self, done: int, total: int, text: str = "") -> None:
        self._value = (done, total, text)
        if self._dialog is not None:
            self._apply(done, total, text)

    def _apply(self, done: int, total: int, text: str) -> None:
        d = self._dialog
        if d is None:
            return
        d.setMaximum(max(total, 0))
        d.setValue(min(max(done, 0), total) if total > 0 else 0)
        if text:
            d.setLabelText(f"{self._label}\n{text}")
        self._show_label()

    def note(self, text: str) -> None:
        """A line under the label (empty: none), shown at once even before the delay."""
        self._note = text
        if text and not self._finished:
            self.show_now()
        self._show_label()

    def _show_label(self) -> None:
        d = self._dialog
        if d is None:
            return
        text = self._value[2] if self._value is not None else ""
        lines = [self._label, text, self._note, tr("正在取消…") if self._cancelling else ""]
        d.setLabelText("\n".join(line for line in lines if line))

    def finish(self) -> None:
        self._finished = True
        self._timer.stop()
        if self._dialog is not None:
            self._dialog.close()
            self._dialog.deleteLater()
            self._dialog = None

"""设置 → 原因分类: the office's list of complaint causes, one a line, in the order the
handling dialog offers them (complaints.usecases.causes). Saving needs settings.site."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from complaints.usecases import auth, causes
from ui.error_detail import ErrorDetail, say


def tr(text: str) -> str:
    return QCoreApplication.translate("CausesTab", text)


class CausesTab(QWidget):
    saved = Signal(list)

    def __init__(self, session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        intro = QLabel(
            tr(
                "处理投诉单(处理完成、回传客服)时选择的原因分类,每行一项,按此顺序列出。"
                "统计中的原因排列图按这些分类计数;已用过的分类删去后,旧投诉单仍按原名统计。"
            )
        )
        intro.setWordWrap(True)
        self.edit = QPlainTextEdit()
        self.edit.setMaximumWidth(420)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.save_btn = QPushButton(tr("保存"))
        self.save_btn.clicked.connect(self.save)
        self.reset_btn = QPushButton(tr("恢复默认"))
        self.reset_btn.clicked.connect(
            lambda: self.edit.setPlainText("\n".join(causes.default_causes()))
        )
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_btn)
        buttons.addWidget(self.reset_btn)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.edit, 1)
        lay.addLayout(buttons)
        lay.addWidget(self.message)
        self.message_detail = ErrorDetail(self)  # the server's own words of a failed save
        lay.addWidget(self.message_detail)
        why = auth.decide(session.ctx(), "settings.site").reason
        for w in (self.save_btn, self.reset_btn):
            w.setEnabled(not why)
            w.setToolTip(why)
        self.edit.setReadOnly(bool(why))
        session.taskman.run(causes.cause_list, self._show, parent=self)

    def _show(self, names: list[str]) -> None:
        self.edit.setPlainText("\n".join(names))

    def save(self) -> None:
        ctx, names = self.session.ctx(), self.edit.toPlainText().splitlines()

        def failed(exc: BaseException) -> None:
            self.message.setStyleSheet("color: #c62828;")
            say(exc, self.message, self.message_detail)

        def done(clean: list[str]) -> None:
            self._show(clean)
            self.message_detail.set_detail("")
            self.message.setStyleSheet("color: #2e7d32;")
            self.message.setText(tr("已保存 {0} 项原因分类。").format(len(clean)))
            self.saved.emit(clean)

        self.session.taskman.run(
            lambda: causes.save_cause_list(ctx, names), done, on_error=failed, parent=self
        )

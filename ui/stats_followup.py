"""The 统计 page's line on 跟踪回访 and 突发事件 (complaints.usecases.report_followup),
read on the worker after the page's own figures."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel, QWidget

from complaints.rules.periods import Period
from complaints.usecases import report_followup


def tr(text: str) -> str:
    return QCoreApplication.translate("StatsPage", text)


class FollowUpLine(QLabel):
    """Hidden when the period has neither follow-up visits nor emergencies."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setStyleSheet(
            "QLabel { background: #eef6ee; color: #1b5e20; border: 1px solid #a5d6a7;"
            " border-radius: 3px; padding: 6px; }"
        )
        self.hide()

    def load(self, session, period: Period, sites: Sequence[str]) -> None:
        ctx = session.ctx()

        def done(text: str) -> None:
            self.setText(tr(text))
            self.setVisible(bool(text))

        session.taskman.run(
            lambda: report_followup.summary_line(ctx, period, sites),
            done,
            on_error=lambda _exc: self.hide(),
            parent=self,
        )

"""The 统计 page's lines on 跟踪回访 and 突发事件 (complaints.usecases.report_followup),
read on the worker after the page's own figures, and on the time cases spent on hold."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel, QWidget

from complaints.rules.figures import Duration
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


class HoldLine(QLabel):
    """暂停计时: how many of the period's cases were put on hold and for how long (暂停 to
    恢复, or to the closing or now); hidden when none was."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setStyleSheet(
            "QLabel { background: #f4f4f4; color: #333; border: 1px solid #ccc;"
            " border-radius: 3px; padding: 6px; }"
        )
        self.hide()

    def show_duration(self, held: Duration | None) -> None:
        if held is None or not held.n or held.mean is None or held.median is None:
            self.hide()
            return
        self.setText(
            tr(
                "暂停计时(等待客户/配件/厂家):{n} 件,平均 {mean:.1f} 小时,中位 {median:.1f} 小时"
            ).format(n=held.n, mean=held.mean, median=held.median)
        )
        self.show()

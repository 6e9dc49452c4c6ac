"""统计's 签字单回收 box: per form, the sheets printed in the period, returned, returned within
the limit, still out (complaints.rules.sheet_returns, read from the page's review)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from complaints.rules.sheet_returns import ReturnRow, SheetReturns


def tr(text: str) -> str:
    return QCoreApplication.translate("StatsSheets", text)


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


class SheetReturnsBox(QFrame):
    """A small table under the figure cards; a form with no sheet printed is left out."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("sheetReturns")
        self.setStyleSheet(
            "#sheetReturns { background: #f7f9fc; border: 1px solid #d5dde8; border-radius: 4px; }"
        )
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 6)
        lay.setSpacing(4)
        self.title = QLabel(tr("签字单回收率"))
        self.title.setStyleSheet("color: #555;")
        self.summary = QLabel("—")
        self.summary.setWordWrap(True)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(18)
        self.grid.setVerticalSpacing(2)
        lay.addWidget(self.title)
        lay.addWidget(self.summary)
        lay.addLayout(self.grid)
        self.cells: list[list[QLabel]] = []  # the rows shown, header first (for tests too)

    def _headers(self, days: int) -> list[str]:
        return [
            tr("表单"),
            tr("打印"),
            tr("已回收"),
            tr("回收率"),
            tr("{0}日内交回").format(days),
            tr("未回收"),
            tr("已超期"),
        ]

    def show_returns(self, returns: SheetReturns | None) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.cells = []
        if returns is None:
            self.summary.setText("—")
            return
        t = returns.total
        self.summary.setText(
            tr(
                "本期打印 {0} 张,已回收 {1} 张(回收率 {2}),{3} 日内交回 {4} 张;未回收 {5} 张"
            ).format(t.printed, t.returned, _pct(t.rate), returns.days, t.on_time, t.missing)
        )
        shown: list[ReturnRow] = [r for r in returns.rows[:-1] if r.printed]
        if not shown:
            return
        rows = [self._headers(returns.days)]
        for r in [*shown, t]:
            rows.append(
                [
                    r.title,
                    str(r.printed),
                    str(r.returned),
                    _pct(r.rate),
                    str(r.on_time),
                    str(r.missing),
                    str(r.overdue),
                ]
            )
        for i, texts in enumerate(rows):
            line = []
            for j, text in enumerate(texts):
                label = QLabel(text)
                if i == 0 or i == len(rows) - 1:
                    label.setStyleSheet("font-weight: bold;" if i else "color: #555;")
                if j:
                    label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.grid.addWidget(label, i, j)
                line.append(label)
            self.cells.append(line)
        self.grid.setColumnStretch(len(rows[0]), 1)

"""The sort arrow as in Excel (issue 17 §5): ▲ for ascending (A→Z, oldest first), ▼ for
descending. Qt's header draws them the other way round (ascending = "sort down")."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QApplication,
    QHeaderView,
    QProxyStyle,
    QStyle,
    QStyleOptionHeader,
)


class ExcelSortArrows(QProxyStyle):
    def drawPrimitive(self, element, option, painter, widget=None):  # noqa: N802 (Qt)
        if (element == QStyle.PrimitiveElement.PE_IndicatorHeaderArrow
                and isinstance(option, QStyleOptionHeader)):
            opt = QStyleOptionHeader(option)
            up, down = QStyleOptionHeader.SortIndicator.SortUp, \
                QStyleOptionHeader.SortIndicator.SortDown
            if opt.sortIndicator == up:
                opt.sortIndicator = down
            elif opt.sortIndicator == down:
                opt.sortIndicator = up
            super().drawPrimitive(element, opt, painter, widget)
            return
        super().drawPrimitive(element, option, painter, widget)


_SHARED: list[ExcelSortArrows] = []


def excel_arrows(header: QHeaderView) -> None:
    """Draw ``header``'s sort arrow the Excel way. One style for every header, owned by the
    application (a widget does not own its style: one deleted with a header still in use
    by Qt crashed the exit)."""
    if not _SHARED:
        style = ExcelSortArrows(header.style().name())
        style.setParent(QApplication.instance())
        _SHARED.append(style)
    header.setStyle(_SHARED[0])

"""The sort arrow as in Excel (issue 17 §5): ▲ for ascending (A→Z, oldest first), ▼ for
descending. Qt's header draws them the other way round (ascending = "sort down")."""

from __future__ import annotations

from PySide6.QtWidgets import QHeaderView, QProxyStyle, QStyle, QStyleOptionHeader


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


def excel_arrows(header: QHeaderView) -> None:
    """Draw ``header``'s sort arrow the Excel way (the style is kept with the header)."""
    style = ExcelSortArrows(header.style().name())
    style.setParent(header)
    header.setStyle(style)

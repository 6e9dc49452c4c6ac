"""One editor widget per field type of complaints.fields, with one API for all of them.

Every editor: ``value()`` (the typed value, or None when empty or unreadable),
``set_value(v)``, ``parse_problem()`` (a message when what was typed cannot be read,
e.g. 2026-02-30), ``set_problem(message, blocking)`` (shown under the box),
``focus_target()`` and the ``edited`` signal (any change by the user or by code).
Dates and times are typed as text (``2026-11-22``, ``2026-11-22 09:30``) with a
calendar button: a date box must be able to stay empty, which QDateEdit cannot.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, tzinfo
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, QRegularExpression, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from complaints.fields import CaseField, FieldType
from complaints.rules.validation import normalize_vin, tidy_phone

VIN_LENGTH = 17
DATE_FMT = "%Y-%m-%d"
DATETIME_FMT = "%Y-%m-%d %H:%M"


def tr(text: str) -> str:
    return QCoreApplication.translate("FieldWidgets", text)


class FieldEditor(QWidget):
    """Base: the control in a row (with optional extras) and a problem line under it."""

    edited = Signal()

    def __init__(self, field: CaseField, parent: QWidget | None = None):
        super().__init__(parent)
        self.field = field
        self._outer = QVBoxLayout(self)
        self._outer.setContentsMargins(0, 0, 0, 0)
        self._outer.setSpacing(2)
        self._row = QHBoxLayout()
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(4)
        self._outer.addLayout(self._row)
        self._problem = QLabel(self)
        self._problem.setWordWrap(True)
        self._problem.setObjectName("fieldProblem")
        self._problem.hide()
        self._outer.addWidget(self._problem)
        self._control: QWidget | None = None

    def _set_control(self, w: QWidget, stretch: int = 1) -> None:
        self._control = w
        self._row.addWidget(w, stretch)
        self.setFocusProxy(w)

    # --- the uniform API ------------------------------------------------------------------

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def parse_problem(self) -> str | None:
        """Why what was typed cannot be read, or None."""
        return None

    def set_read_only(self, read_only: bool) -> None:
        if self._control is not None:
            self._control.setEnabled(not read_only)

    def focus_target(self) -> QWidget:
        return self._control or self

    def problem(self) -> str | None:
        return self._problem.text() or None

    def set_problem(self, message: str | None, blocking: bool = True) -> None:
        """Show (or clear, with None) a problem under the box: red if it blocks saving."""
        target = self.focus_target()
        if not message:
            self._problem.clear()
            self._problem.hide()
            target.setStyleSheet("")
            self._problem.setProperty("blocking", None)
            return
        color = "#c62828" if blocking else "#a15c00"
        self._problem.setText(message)
        self._problem.setProperty("blocking", blocking)
        self._problem.setStyleSheet(f"color: {color};")
        self._problem.show()
        cls = type(target).__name__
        target.setStyleSheet(f"{cls} {{ border: 1px solid {color}; }}")


class TextEditor(FieldEditor):
    """One line of text, limited to the field's length; optional suggestions."""

    def __init__(self, field: CaseField, parent: QWidget | None = None):
        super().__init__(field, parent)
        self.edit = QLineEdit(self)
        if field.max_length:
            self.edit.setMaxLength(field.max_length)
        self.edit.textChanged.connect(self.edited)
        self._set_control(self.edit)

    def value(self) -> str | None:
        t = self.edit.text().strip()
        return t or None

    def set_value(self, value: Any) -> None:
        self.edit.setText("" if value is None else str(value))
        self.edit.setCursorPosition(0)

    def set_read_only(self, read_only: bool) -> None:
        self.edit.setReadOnly(read_only)

    def set_placeholder(self, text: str) -> None:
        self.edit.setPlaceholderText(text)

    def set_suggestions(self, words: list[str]) -> None:
        c = QCompleter(words, self.edit)
        c.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        c.setFilterMode(Qt.MatchFlag.MatchContains)
        self.edit.setCompleter(c)


class PhoneEditor(TextEditor):
    """Digits, with area-code dash, spaces and +86 allowed."""

    def __init__(self, field: CaseField, parent: QWidget | None = None):
        super().__init__(field, parent)
        self.edit.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"[0-9+\- ]{0,20}"), self.edit)
        )
        self.edit.setPlaceholderText(tr("如 13812345678 或 021-12345678"))
        self.edit.setInputMethodHints(Qt.InputMethodHint.ImhDialableCharactersOnly)

    def value(self) -> str | None:
        """A mobile typed in groups (139 8765 4321) is saved as its 11 digits."""
        return tidy_phone(self.edit.text()) or None


class VinEditor(TextEditor):
    """Upper-cases as you type and counts toward 17 characters."""

    def __init__(self, field: CaseField, parent: QWidget | None = None):
        super().__init__(field, parent)
        self.edit.setMaxLength(VIN_LENGTH + 3)  # room for a pasted space or two
        self.edit.setPlaceholderText(tr("17 位,不含 I、O、Q"))
        self.count = QLabel(self)
        self.count.setMinimumWidth(self.count.fontMetrics().horizontalAdvance("00/17") + 6)
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._row.addWidget(self.count)
        self.edit.textChanged.connect(self._on_text)
        self._on_text(self.edit.text())

    def _on_text(self, text: str) -> None:
        upper = text.upper()
        if upper != text:
            pos = self.edit.cursorPosition()
            self.edit.blockSignals(True)
            self.edit.setText(upper)
            self.edit.setCursorPosition(pos)
            self.edit.blockSignals(False)
        n = len(normalize_vin(upper))
        self.count.setText(f"{n}/{VIN_LENGTH}")
        ok = n in (0, VIN_LENGTH)
        self.count.setStyleSheet("" if ok else "color: #c62828;")

    def value(self) -> str | None:
        v = normalize_vin(self.edit.text())
        return v or None


class LongTextEditor(FieldEditor):
    """A box on the form: several lines, with a character count against the limit."""

    def __init__(self, field: CaseField, parent: QWidget | None = None, lines: int = 4):
        super().__init__(field, parent)
        self.edit = QPlainTextEdit(self)
        self.edit.setTabChangesFocus(True)
        fm = self.edit.fontMetrics()
        self.edit.setFixedHeight(fm.lineSpacing() * lines + 14)  # the box on the form
        self.edit.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._set_control(self.edit)
        self._row.removeWidget(self.edit)
        col = QVBoxLayout()
        col.setSpacing(0)
        col.addWidget(self.edit)
        self.count = QLabel(self)
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.count.setStyleSheet("color: #777;")
        col.addWidget(self.count)
        self._row.addLayout(col)
        self.edit.textChanged.connect(self._on_text)
        self._on_text()

    def _on_text(self) -> None:
        n = len(self.edit.toPlainText())
        limit = self.field.max_length
        self.count.setText(f"{n}/{limit}" if limit else str(n))
        self.count.setStyleSheet("color: #c62828;" if limit and n > limit else "color: #777;")
        self.edited.emit()

    def value(self) -> str | None:
        t = self.edit.toPlainText().strip("\n ")
        return t or None

    def set_value(self, value: Any) -> None:
        self.edit.setPlainText("" if value is None else str(value))

    def set_read_only(self, read_only: bool) -> None:
        self.edit.setReadOnly(read_only)


class ChoiceEditor(FieldEditor):
    """The enum's Chinese words; an empty entry first unless the field is required."""

    def __init__(self, field: CaseField, parent: QWidget | None = None):
        super().__init__(field, parent)
        self.combo = QComboBox(self)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        if not field.required:
            self.combo.addItem("", None)
        if field.choices is not None:
            for choice in field.choices:
                self.combo.addItem(choice.value, choice.value)
        self.combo.currentIndexChanged.connect(self.edited)
        self._set_control(self.combo, 0)
        self._row.addStretch(1)

    def value(self) -> str | None:
        return self.combo.currentData()

    def set_value(self, value: Any) -> None:
        if value is None or value == "":
            self.combo.setCurrentIndex(-1 if self.field.required else 0)
            return
        text = str(value)
        i = self.combo.findData(text)
        if i < 0:  # a word from an older version or another site: keep it, don't lose it
            self.combo.addItem(text, text)
            i = self.combo.count() - 1
        self.combo.setCurrentIndex(i)


class BoolEditor(FieldEditor):
    def __init__(self, field: CaseField, parent: QWidget | None = None):
        super().__init__(field, parent)
        self.check = QCheckBox(tr("是"), self)
        self.check.toggled.connect(self.edited)
        self._set_control(self.check, 0)
        self._row.addStretch(1)

    def value(self) -> bool:
        return self.check.isChecked()

    def set_value(self, value: Any) -> None:
        self.check.setChecked(bool(value))


class IntEditor(FieldEditor):
    """A whole number (公里数), empty allowed."""

    def __init__(self, field: CaseField, parent: QWidget | None = None, unit: str = ""):
        super().__init__(field, parent)
        self.edit = QLineEdit(self)
        self.edit.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"[0-9]{0,9}"), self.edit)
        )
        self.edit.textChanged.connect(self.edited)
        self._set_control(self.edit)
        if unit:
            self._row.addWidget(QLabel(unit, self))

    def value(self) -> int | None:
        t = self.edit.text().strip()
        return int(t) if t.isdigit() else None

    def set_value(self, value: Any) -> None:
        self.edit.setText("" if value is None else str(int(value)))


class _CalendarButton(QToolButton):
    """A button that drops a calendar and reports the picked date."""

    picked = Signal(QDate)

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setText(tr("日历"))
        self.setToolTip(tr("从日历选择"))
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self)
        self.calendar = QCalendarWidget(menu)
        self.calendar.setGridVisible(True)
        action = QWidgetAction(menu)
        action.setDefaultWidget(self.calendar)
        menu.addAction(action)
        self.setMenu(menu)
        self.calendar.clicked.connect(self._on_clicked)

    def _on_clicked(self, d: QDate) -> None:
        self.menu().hide()
        self.picked.emit(d)


class DateEditor(FieldEditor):
    """A calendar date typed as 2026-11-22 (also 2026/11/22 or 20261122)."""

    def __init__(self, field: CaseField, parent: QWidget | None = None):
        super().__init__(field, parent)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText(tr("年-月-日,如 2026-11-22"))
        self.edit.textChanged.connect(self.edited)
        self._set_control(self.edit)
        self.button = _CalendarButton(self)
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.button.picked.connect(self._on_picked)
        self._row.addWidget(self.button)

    def _on_picked(self, d: QDate) -> None:
        self.edit.setText(date(d.year(), d.month(), d.day()).strftime(DATE_FMT))

    @staticmethod
    def parse(text: str) -> date:
        t = text.strip().replace("/", "-").replace(".", "-")
        if len(t) == 8 and t.isdigit():
            t = f"{t[:4]}-{t[4:6]}-{t[6:]}"
        y, m, d = (int(p) for p in t.split("-"))
        return date(y, m, d)

    def value(self) -> date | None:
        t = self.edit.text().strip()
        if not t:
            return None
        try:
            return self.parse(t)
        except ValueError:
            return None

    def parse_problem(self) -> str | None:
        t = self.edit.text().strip()
        if not t:
            return None
        try:
            self.parse(t)
        except ValueError:
            return tr("“{label}”不是有效日期:“{text}”(格式 2026-11-22)").format(
                label=self.field.label, text=t
            )
        return None

    def set_value(self, value: Any) -> None:
        self.edit.setText(value.strftime(DATE_FMT) if isinstance(value, date) else "")

    def set_read_only(self, read_only: bool) -> None:
        self.edit.setReadOnly(read_only)
        self.button.setEnabled(not read_only)


class DateTimeEditor(DateEditor):
    """A local time of the office (``tz``, e.g. +08:00) typed as 2026-11-22 09:30."""

    def __init__(
        self,
        field: CaseField,
        tz: tzinfo,
        parent: QWidget | None = None,
        now: Callable[[], datetime] | None = None,
    ):
        super().__init__(field, parent)
        self.tz = tz
        self._now = now or (lambda: datetime.now(self.tz))
        self.edit.setPlaceholderText(tr("年-月-日 时:分,如 2026-11-22 09:30"))
        self.now_button = QToolButton(self)
        self.now_button.setText(tr("现在"))
        self.now_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.now_button.clicked.connect(
            lambda: self.set_value(self._now().astimezone(self.tz).replace(second=0, microsecond=0))
        )
        self._row.addWidget(self.now_button)

    def _on_picked(self, d: QDate) -> None:
        current = self.value()
        t = current.timetz().replace(tzinfo=None) if current else time(9, 0)
        self.edit.setText(
            datetime.combine(date(d.year(), d.month(), d.day()), t).strftime(DATETIME_FMT)
        )

    def parse_dt(self, text: str) -> datetime:
        t = text.strip().replace("T", " ")
        day, _, clock = t.partition(" ")
        d = DateEditor.parse(day)
        clock = clock.strip()
        if clock:
            parts = clock.split(":")
            if not 2 <= len(parts) <= 3:
                raise ValueError(clock)
            hh, mm = int(parts[0]), int(parts[1])
            ss = int(parts[2]) if len(parts) == 3 else 0
            tm = time(hh, mm, ss)
        else:
            tm = time(0, 0)
        return datetime.combine(d, tm, tzinfo=self.tz)

    def value(self) -> datetime | None:
        t = self.edit.text().strip()
        if not t:
            return None
        try:
            return self.parse_dt(t)
        except ValueError:
            return None

    def parse_problem(self) -> str | None:
        t = self.edit.text().strip()
        if not t:
            return None
        try:
            self.parse_dt(t)
        except ValueError:
            return tr("“{label}”不是有效时间:“{text}”(格式 2026-11-22 09:30)").format(
                label=self.field.label, text=t
            )
        return None

    def set_value(self, value: Any) -> None:
        if isinstance(value, datetime):
            local = value.astimezone(self.tz) if value.tzinfo else value
            fmt = DATETIME_FMT if local.second == 0 else DATETIME_FMT + ":%S"
            self.edit.setText(local.strftime(fmt))
        else:
            self.edit.setText("")


def make_editor(
    field: CaseField,
    tz: tzinfo,
    parent: QWidget | None = None,
    *,
    now: Callable[[], datetime] | None = None,
) -> FieldEditor:
    """The editor for one field of the catalogue; ``now`` is the clock of the 现在 button."""
    if field.name == "vin":
        return VinEditor(field, parent)
    if field.name == "phone":
        return PhoneEditor(field, parent)
    match field.type:
        case FieldType.TEXT:
            return TextEditor(field, parent)
        case FieldType.LONG_TEXT:
            lines = 6 if (field.max_length or 0) >= 4000 else 3
            return LongTextEditor(field, parent, lines=lines)
        case FieldType.ENUM:
            return ChoiceEditor(field, parent)
        case FieldType.BOOL:
            return BoolEditor(field, parent)
        case FieldType.DATE:
            return DateEditor(field, parent)
        case FieldType.DATETIME:
            return DateTimeEditor(field, tz, parent, now=now)
        case FieldType.INT:
            return IntEditor(field, parent, unit=tr("公里") if field.name == "mileage" else "")
    raise ValueError(f"no editor for field type {field.type!r}")

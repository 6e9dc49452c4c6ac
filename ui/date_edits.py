"""The date and date-time boxes of the filters and dialogs: a calendar to pick from, and the
date written as the ledgers write it (2026-12-07, 2026-12-07 14:30)."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import QDate, QDateTime
from PySide6.QtWidgets import QDateEdit, QDateTimeEdit

DATE_FORMAT = "yyyy-MM-dd"
DATE_TIME_FORMAT = "yyyy-MM-dd HH:mm"


def date_edit(day: QDate | None = None) -> QDateEdit:
    edit = QDateEdit() if day is None else QDateEdit(day)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat(DATE_FORMAT)
    return edit


def date_time_edit(when: QDateTime | None = None) -> QDateTimeEdit:
    edit = QDateTimeEdit() if when is None else QDateTimeEdit(when)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat(DATE_TIME_FORMAT)
    return edit


def day_of(edit: QDateEdit) -> date:
    """The day shown in the box."""
    d = edit.date()
    return date(d.year(), d.month(), d.day())


def local_time_of(edit: QDateTimeEdit) -> datetime:
    """The date and time shown in the box, without a zone (the office's wall clock)."""
    d, t = edit.date(), edit.time()
    return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), t.second(), t.msec() * 1000)

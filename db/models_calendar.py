"""peewee models of the office's working calendar (schema step 13): the years and dates
loaded from a calendar file."""

from __future__ import annotations

import peewee as pw

from db.fields import AwareDateTimeField
from db.models import BaseModel


class CalendarYear(BaseModel):
    year = pw.IntegerField(primary_key=True)
    source = pw.TextField(default="")
    imported_at = AwareDateTimeField()
    imported_by = pw.TextField(default="")

    class Meta:
        table_name = "calendar_years"


class CalendarDay(BaseModel):
    day = pw.TextField(primary_key=True)  # "2027-01-01"
    year = pw.IntegerField()
    off = pw.BooleanField()
    name = pw.TextField(default="")

    class Meta:
        table_name = "calendar_days"

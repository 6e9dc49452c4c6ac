"""peewee model of the deadline reminders an office has shown (schema step 22)."""

from __future__ import annotations

import peewee as pw

from db.fields import AwareDateTimeField
from db.models import BaseModel, Case


class ReminderSent(BaseModel):
    case = pw.ForeignKeyField(Case, column_name="case_id", on_delete="CASCADE")
    rule = pw.TextField()
    status = pw.TextField()
    due = AwareDateTimeField()  # the due time the reminder was judged against
    seat = pw.TextField()
    sent_at = AwareDateTimeField()

    class Meta:
        table_name = "reminders_sent"
        primary_key = pw.CompositeKey("case", "rule", "status", "due")

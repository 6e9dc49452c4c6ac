"""peewee models of the cases touched by each write (schema step 24, derived data written by
triggers and read by db/case_touches.py)."""

from __future__ import annotations

import peewee as pw

from db.models import BaseModel


class CaseTouch(BaseModel):
    seq = pw.AutoField()
    case_id = pw.IntegerField()  # no foreign key: a deleted case's touch stays

    class Meta:
        table_name = "case_touches"


class CaseTouchLog(BaseModel):
    id = pw.IntegerField(primary_key=True)  # the one row, 1
    epoch = pw.IntegerField()
    floor = pw.IntegerField()  # SQLite: a seq; the server: a transaction id (xid8)

    class Meta:
        table_name = "case_touch_log"

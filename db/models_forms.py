"""peewee model of the printed-forms history (schema step 4)."""

from __future__ import annotations

import peewee as pw

from db.fields import AwareDateTimeField
from db.models import BaseModel, Case, Sanction


class PrintedForm(BaseModel):
    id = pw.AutoField()
    case_id: int | None
    sanction_id: int | None
    uid = pw.TextField(unique=True)
    form = pw.TextField()  # A, B, C or D
    case = pw.ForeignKeyField(
        Case, null=True, backref="printed_forms", column_name="case_id", on_delete="SET NULL"
    )
    sanction = pw.ForeignKeyField(
        Sanction,
        null=True,
        backref="printed_forms",
        column_name="sanction_id",
        on_delete="SET NULL",
    )
    batch_uid = pw.TextField(null=True)
    printed_at = AwareDateTimeField()
    printed_by = pw.TextField(default="")
    template_source = pw.TextField()  # "default" or "custom"
    template_sha256 = pw.TextField()
    file_path = pw.TextField()  # relative to DataPaths.printed
    pdf_path = pw.TextField(null=True)
    signed_returned_at = AwareDateTimeField(null=True)
    scan_path = pw.TextField(null=True)
    note = pw.TextField(default="")
    # schema 14: the code printed on the sheet, what it was printed from
    code = pw.TextField(null=True, unique=True)
    record_ref = pw.TextField(null=True)
    revision = pw.IntegerField(null=True)
    # schema 19: the scan's content (in ``blobs`` on the office server)
    scan_sha256 = pw.TextField(null=True)

    class Meta:
        table_name = "printed_forms"

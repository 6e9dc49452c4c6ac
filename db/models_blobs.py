"""peewee model of the file contents kept in the database (schema step 19): attachments
and signed sheets' scans on the office server, named by their SHA-256."""

from __future__ import annotations

import peewee as pw

from db.models import BaseModel


class Blob(BaseModel):
    sha256 = pw.TextField(primary_key=True)
    size = pw.IntegerField()
    bytes = pw.BlobField()

    class Meta:
        table_name = "blobs"

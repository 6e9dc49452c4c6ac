"""peewee models of the audit trail held outside the branch (schema step 9). The rows are
read and written with plain SQL in db/audit_chains.py (the chain's hash covers the stored
text); the models say what the tables are."""

from __future__ import annotations

import peewee as pw

from db.models import BaseModel


class SiteAuditChain(BaseModel):
    site = pw.TextField()
    id = pw.IntegerField()
    prev_hash = pw.TextField()
    hash = pw.TextField()
    at = pw.TextField()
    event = pw.TextField()
    actor = pw.TextField(default="")
    entry = pw.TextField()  # canonical JSON of the entry's stored columns
    received_at = pw.TextField()
    source_file = pw.TextField(default="")

    class Meta:
        table_name = "site_audit_chains"
        primary_key = pw.CompositeKey("site", "id")


class AuditExport(BaseModel):
    destination = pw.TextField(primary_key=True)
    through_id = pw.IntegerField()
    exported_at = pw.TextField()

    class Meta:
        table_name = "audit_exports"


AUDIT_MODELS = (SiteAuditChain, AuditExport)

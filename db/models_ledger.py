"""peewee models of the ledger exchange's own tables (schema step 3)."""

from __future__ import annotations

import peewee as pw

from db.fields import AwareDateTimeField
from db.models import BaseModel


class LedgerExport(BaseModel):
    destination = pw.TextField(primary_key=True)
    exported_at = AwareDateTimeField()
    scope = pw.TextField()
    sites = pw.TextField(default="")
    counts = pw.TextField(default="{}")

    class Meta:
        table_name = "ledger_exports"


class LedgerBase(BaseModel):
    uid = pw.TextField(primary_key=True)
    tbl = pw.TextField()
    revision = pw.IntegerField()
    from_owner = pw.IntegerField(default=0)  # standing bits, see ledger.merge._Rank
    digest = pw.TextField()
    applied_at = AwareDateTimeField()
    fingerprint = pw.TextField(default="")  # 版本指纹 of that version (schema 8)
    record_modified_at = pw.TextField(null=True)  # the record's modified_at as applied

    class Meta:
        table_name = "ledger_base"


class LedgerConflict(BaseModel):
    id = pw.AutoField()
    uid = pw.TextField()
    tbl = pw.TextField()
    site = pw.TextField()
    local_revision = pw.IntegerField()
    incoming_revision = pw.IntegerField()
    incoming_from_owner = pw.IntegerField(default=0)  # standing bits
    incoming_digest = pw.TextField()
    incoming = pw.TextField()  # JSON of the incoming row's values
    source_file = pw.TextField(default="")
    source_site = pw.TextField(default="")
    found_at = AwareDateTimeField()
    resolved_at = AwareDateTimeField(null=True)
    resolution = pw.TextField(null=True)
    resolved_by = pw.TextField(null=True)
    # schema 8: see db/migrations/m0008_ledger_versions.py
    kind = pw.TextField(default="version")  # 'version' or 'proposal'
    incoming_fingerprint = pw.TextField(default="")
    local = pw.TextField(null=True)  # JSON of the local side when found (None: no record)
    local_digest = pw.TextField(default="")

    class Meta:
        table_name = "ledger_conflicts"


class LedgerImport(BaseModel):
    id = pw.AutoField()
    file_name = pw.TextField()
    sha256 = pw.TextField()
    source_site = pw.TextField(default="")
    exported_at = AwareDateTimeField(null=True)
    imported_at = AwareDateTimeField()
    actor = pw.TextField(default="")
    status = pw.TextField()
    counts = pw.TextField(default="{}")

    class Meta:
        table_name = "ledger_imports"


class LedgerVersion(BaseModel):
    """A version of one of this site's own records that it sent or took back (schema 8)."""

    uid = pw.TextField()
    revision = pw.IntegerField()
    fingerprint = pw.TextField()

    class Meta:
        table_name = "ledger_versions"
        primary_key = pw.CompositeKey("uid", "revision", "fingerprint")
        without_rowid = True


class LedgerMeta(BaseModel):
    key = pw.TextField(primary_key=True)
    value = pw.TextField()

    class Meta:
        table_name = "ledger_meta"


LEDGER_MODELS = (LedgerExport, LedgerBase, LedgerConflict, LedgerImport, LedgerVersion, LedgerMeta)

"""peewee models of the accounts and the audit trail (schema step 2).

The audit log is written with raw SQL by complaints.usecases.audit (so the hash covers
exactly the stored text); this model is for reading it.
"""

from __future__ import annotations

import json

import peewee as pw

from db.fields import AwareDateTimeField
from db.models import BaseModel


class RolesField(pw.TextField):
    """A set of role names stored as a sorted JSON list."""

    def db_value(self, value):
        if isinstance(value, str):
            return value
        return json.dumps(sorted(value or ()), ensure_ascii=False)

    def python_value(self, value):
        return frozenset(json.loads(value or "[]"))


class User(BaseModel):
    id = pw.AutoField()
    login = pw.TextField(unique=True)
    display_name = pw.TextField()
    roles = RolesField(default="[]")
    department = pw.TextField(null=True)
    active = pw.BooleanField(default=True)
    password_hash = pw.TextField()
    failed_tries = pw.IntegerField(default=0)
    locked_until = AwareDateTimeField(null=True)
    must_change_password = pw.BooleanField(default=False)
    last_sign_in_at = AwareDateTimeField(null=True)
    created_at = AwareDateTimeField()
    modified_at = AwareDateTimeField()

    class Meta:
        table_name = "users"


class AuditEntry(BaseModel):
    id = pw.AutoField()
    at = AwareDateTimeField()
    site = pw.TextField(default="")
    user_id = pw.IntegerField(null=True)
    actor = pw.TextField(default="")
    event = pw.TextField()
    tbl = pw.TextField(null=True)
    record_uid = pw.TextField(null=True)
    changes = pw.TextField(default="{}")
    note = pw.TextField(default="")
    prev_hash = pw.TextField()
    hash = pw.TextField()

    class Meta:
        table_name = "audit_log"


class AuditHead(BaseModel):
    id = pw.AutoField()
    last_id = pw.IntegerField()
    last_hash = pw.TextField()

    class Meta:
        table_name = "audit_head"

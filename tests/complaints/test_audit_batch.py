"""A bulk write's audit entries (audit.record_many) are stored exactly as that many
audit.record calls store them: the same columns, the same text, the same hashes."""

from datetime import date

from complaints.usecases import audit
from db import audit_rows
from db.models import database
from tests.conftest import FIXED_NOW

ITEMS: list[audit.AuditItem] = [
    (
        "privacy.anonymise",
        "cases",
        "u-1",
        {"customer_name": ("王芳", "匿名"), "phone": ("13812345678", None)},
        "SH01-1",
    ),
    ("case.update", "cases", None, None, ""),
    (
        "sanction.withdraw",
        "sanctions",
        "u-3",
        {"deleted": (False, True), "on": (date(2026, 1, 2), FIXED_NOW)},
        "三",
    ),
    ("user.password_change", "users", "7", {"password": ("old", "new")}, "改密"),
]


def _stored() -> list[tuple]:
    columns = ", ".join(audit_rows.COLUMNS)
    return database.execute_sql(f"SELECT {columns} FROM audit_log ORDER BY id").fetchall()


def test_record_many_stores_what_record_would(ctx):
    audit.record(ctx, "case.update", table="cases", uid="a", note="one")
    with database.atomic() as tx:
        for event, table, uid, changes, note in ITEMS:
            audit.record(ctx, event, table=table, uid=uid, changes=changes, note=note)
        one_by_one = _stored()
        tx.rollback()
    assert audit.record_many(ctx, ITEMS) == len(ITEMS)
    assert _stored() == one_by_one
    assert audit.verify_chain() == []

"""db.ledger_rows decodes a record by its model fields: for every column the ledger stores,
that is the decoding its kind of ledger value needs (times, dates, yes/no as such)."""

from datetime import date, datetime

from complaints.usecases import cases
from db import ledger_rows
from db.models import database
from db.timeutil import date_from_db, from_db
from ledger import columns as C
from ledger.columns import Kind

_BY_KIND = {
    Kind.DATETIME: from_db,
    Kind.STAMP: from_db,
    Kind.DATE: date_from_db,
    Kind.BOOL: bool,
    Kind.DELETED: bool,
}


def test_each_stored_ledger_column_decodes_as_its_kind():
    for sheet, cols in C.SHEET_COLUMNS.items():
        table = C.SHEET_TABLE[sheet]
        for col in cols:
            want = _BY_KIND.get(col.kind) if col.stored else None
            assert ledger_rows.decoder(table, col.key) is want, (sheet, col.key)


def test_a_record_reads_as_ledger_values(ctx):
    values = cases.blank_case(ctx)
    values.update(customer_name="王芳", content="漆面划痕", purchase_date=date(2025, 3, 1))
    cases.create_case(ctx, values)
    (uid,) = database.execute_sql("SELECT uid FROM cases").fetchone()
    keys = [c.key for c in C.CASE_COLUMNS]
    rec = ledger_rows.record("cases", keys, uid)
    assert rec is not None and list(rec) == keys
    assert isinstance(rec["received_at"], datetime) and rec["received_at"].tzinfo is not None
    assert rec["purchase_date"] == date(2025, 3, 1)
    assert rec["media"] is False and rec["deleted"] is False
    assert rec["fingerprint"] is None  # never applied from a ledger
    assert ledger_rows.record("cases", keys, "no-such-uid") is None

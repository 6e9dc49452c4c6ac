"""The printed sheets as the signed-sheet return (签字回收) reads them: by their code, by
case, the ones still out, and the return figures of a period."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import peewee as pw

from db.models import Case, Sanction
from db.models_forms import PrintedForm

# The implicit primary keys, which peewee adds at run time where mypy cannot see them.
_sheet_pk = PrintedForm._meta.primary_key
_case_pk = Case._meta.primary_key
_sanction_pk = Sanction._meta.primary_key


@dataclass(frozen=True)
class Sheet:
    """One printed sheet with what a scan is checked against."""

    id: int
    code: str | None
    form: str
    record_ref: str | None  # the case or notice number printed on it
    revision: int | None  # the record's revision when it was printed
    case_id: int | None
    case_number: str | None
    sanction_id: int | None
    current_revision: int | None  # the record's revision now
    printed_at: datetime
    printed_by: str
    file_path: str
    signed_returned_at: datetime | None
    scan_path: str | None
    signer: str  # who must sign: the person of a notice, else the case's department
    department: str


def code_taken(code: str) -> bool:
    return PrintedForm.select().where(PrintedForm.code == code).exists()


def _query() -> Any:
    return (
        PrintedForm.select(PrintedForm, Case, Sanction)
        .join(Case, pw.JOIN.LEFT_OUTER, on=(PrintedForm.case == _case_pk))
        .switch(PrintedForm)
        .join(Sanction, pw.JOIN.LEFT_OUTER, on=(PrintedForm.sanction == _sanction_pk))
    )


def _sheet(p: Any) -> Sheet:
    case = p.case if p.case_id else None
    sanction = p.sanction if p.sanction_id else None
    record = sanction if sanction is not None else case
    if sanction is not None:
        signer, department = sanction.person or "", sanction.department or ""
    else:
        department = (case.department if case else "") or ""
        signer = f"{department}经理" if department else ""
    return Sheet(
        id=p.id,
        code=p.code,
        form=p.form,
        record_ref=p.record_ref,
        revision=p.revision,
        case_id=p.case_id,
        case_number=case.number if case else None,
        sanction_id=p.sanction_id,
        current_revision=record.revision if record is not None else None,
        printed_at=p.printed_at,
        printed_by=p.printed_by,
        file_path=p.file_path,
        signed_returned_at=p.signed_returned_at,
        scan_path=p.scan_path,
        signer=signer,
        department=department,
    )


def sheet_by_code(code: str) -> Sheet | None:
    p = _query().where(PrintedForm.code == code).first()
    return _sheet(p) if p is not None else None


def sheet_by_id(sheet_id: int) -> Sheet | None:
    p = _query().where(_sheet_pk == sheet_id).first()
    return _sheet(p) if p is not None else None


def case_id_by_number(number: str) -> int | None:
    """The case of a number (not a deleted one when a number was used twice)."""
    c = (
        Case.select(_case_pk)
        .where(Case.number == number)
        .order_by(Case.deleted, Case.modified_at.desc())
        .first()
    )
    return c.id if c is not None else None


def sheets_of_case(case_id: int) -> list[Sheet]:
    """A case's sheets (its notices too), oldest first."""
    q = _query().where(PrintedForm.case == case_id)
    return [_sheet(p) for p in q.order_by(PrintedForm.printed_at, _sheet_pk)]


def unreturned(printed_before: datetime | None = None, limit: int = 2000) -> list[Sheet]:
    """Sheets whose signed paper has not come back, oldest first; of a deleted case or
    sanction none (nobody will sign those)."""
    q = _query().where(PrintedForm.signed_returned_at.is_null())
    q = q.where(Case.uid.is_null() | (Case.deleted == False))  # noqa: E712
    q = q.where(Sanction.uid.is_null() | (Sanction.deleted == False))  # noqa: E712
    if printed_before is not None:
        q = q.where(PrintedForm.printed_at < printed_before)
    return [_sheet(p) for p in q.order_by(PrintedForm.printed_at, _sheet_pk).limit(limit)]


def printed_in(start: datetime, end: datetime) -> list[tuple[str, datetime | None]]:
    """(form, returned at) of every sheet printed in [start, end)."""
    q = PrintedForm.select(PrintedForm.form, PrintedForm.signed_returned_at).where(
        (PrintedForm.printed_at >= start) & (PrintedForm.printed_at < end)
    )
    return [(p.form, p.signed_returned_at) for p in q]


def printed_between(
    start: datetime, end: datetime, sites: Sequence[str] = ()
) -> list[tuple[str, datetime, datetime | None]]:
    """(form, printed at, returned at) of every sheet printed in [start, end), of a case of
    ``sites`` (empty: every sheet); a deleted case's or sanction's sheets are left out
    (nobody will sign those)."""
    q = (
        _query()
        .where((PrintedForm.printed_at >= start) & (PrintedForm.printed_at < end))
        .where(Case.uid.is_null() | (Case.deleted == False))  # noqa: E712
        .where(Sanction.uid.is_null() | (Sanction.deleted == False))  # noqa: E712
    )
    if sites:
        q = q.where(Case.site.in_(list(sites)))
    return [(p.form, p.printed_at, p.signed_returned_at) for p in q]

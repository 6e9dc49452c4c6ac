"""The printed_forms table: every sheet that went out, and when its signed paper came back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from db.models_forms import PrintedForm

# the implicit primary key, which peewee's stubs do not declare on the model
printed_pk = PrintedForm._meta.fields["id"]


def to_dict(p: PrintedForm) -> dict[str, Any]:
    """A printed sheet as the use cases show it (paths relative to the data folder's
    ``printed/``)."""
    return {
        "id": p.get_id(),
        "uid": p.uid,
        "form": p.form,
        "case_id": p.case_id,
        "sanction_id": p.sanction_id,
        "batch_uid": p.batch_uid,
        "printed_at": p.printed_at,
        "printed_by": p.printed_by,
        "template_source": p.template_source,
        "template_sha256": p.template_sha256,
        "file_path": p.file_path,
        "pdf_path": p.pdf_path,
        "signed_returned_at": p.signed_returned_at,
        "scan_path": p.scan_path,
        "note": p.note,
        "code": p.code,  # the sheet's code printed as a QR (None before schema 14)
        "revision": p.revision,  # the record's revision the sheet was printed from
        "scan_sha256": p.scan_sha256,  # the scan's content (schema 19; None before)
    }


def add(**values: Any) -> int:
    """Record a printed sheet (the columns of PrintedForm); its id."""
    return int(PrintedForm.create(**values).get_id())


def get(printed_id: int) -> PrintedForm | None:
    return PrintedForm.get_or_none(printed_pk == printed_id)


def history(
    case_id: int | None = None, sanction_id: int | None = None, limit: int = 500
) -> list[PrintedForm]:
    """The sheets printed for a case (its sanctions' notices too) or a sanction, newest first."""
    q = PrintedForm.select()
    if case_id is not None:
        q = q.where(PrintedForm.case == case_id)
    if sanction_id is not None:
        q = q.where(PrintedForm.sanction == sanction_id)
    return list(q.order_by(PrintedForm.printed_at.desc(), printed_pk.desc()).limit(limit))


def awaiting_return(limit: int = 500) -> list[PrintedForm]:
    """The sheets whose signed paper has not come back, oldest first."""
    return list(
        PrintedForm.select()
        .where(PrintedForm.signed_returned_at.is_null())
        .order_by(PrintedForm.printed_at, printed_pk)
        .limit(limit)
    )


def mark_returned(
    p: PrintedForm, when: datetime, scan_path: str | None, scan_sha256: str | None = None
) -> None:
    """The signed paper of ``p`` came back at ``when`` (with its scan and the scan's
    SHA-256, if given)."""
    p.signed_returned_at = when
    if scan_path is not None:
        p.scan_path = scan_path
        p.scan_sha256 = scan_sha256
    p.save()


def set_scan_sha256(printed_id: int, sha256: str) -> None:
    """Name the content of a scan stored before its hash was kept (a moved office's)."""
    PrintedForm.update(scan_sha256=sha256).where(printed_pk == printed_id).execute()

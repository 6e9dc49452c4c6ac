"""The attachments table: a case's evidence files, each row naming a blob of the
content-addressed store by its SHA-256."""

from __future__ import annotations

from typing import Any

from db.models import Attachment

# the implicit primary key, which peewee's stubs do not declare on the model
attachment_pk = Attachment._meta.fields["id"]


def to_dict(a: Attachment) -> dict[str, Any]:
    """An attachment as the use cases show it; ``uid`` is its record's own UUID."""
    return {
        "id": a.get_id(),
        "case_id": a.case_id,
        "file_name": a.file_name,
        "sha256": a.sha256,
        "size": a.size,
        "added_at": a.added_at,
        "added_by": a.added_by,
        "note": a.note,
        "uid": a.stored_name,
    }


def get(att_id: int) -> Attachment | None:
    return Attachment.get_or_none(attachment_pk == att_id)


def of_case_with_hash(case_id: int, sha256: str) -> Attachment | None:
    """The case's attachment of this content, if it has one."""
    return Attachment.get_or_none((Attachment.case == case_id) & (Attachment.sha256 == sha256))


def add(**values: Any) -> Attachment:
    """A new attachment (the columns of Attachment)."""
    return Attachment.create(**values)


def referenced(sha256: str) -> bool:
    """Whether any attachment still names this content."""
    return Attachment.select().where(Attachment.sha256 == sha256).exists()


def of_case(case_id: int) -> list[Attachment]:
    """A case's attachments, oldest first."""
    return list(
        Attachment.select()
        .where(Attachment.case == case_id)
        .order_by(Attachment.added_at, attachment_pk)
    )


def case_department(a: Attachment) -> str | None:
    """The department handling the attachment's case."""
    return a.case.department

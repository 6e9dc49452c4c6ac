"""Use cases on a case: blank, create, read, update, delete; list and search.

The GUI and the CLI both call these. They validate with the pure rules, then save
through db/ in one transaction each.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from complaints.fields import CASE_FIELDS, FIELD_NAMES, FIELDS_BY_NAME, KEY_NAMES, FieldType
from complaints.query import NEWEST_FIRST, CaseFilter, Sort
from complaints.rules import emergency as emergency_rules
from complaints.rules.validation import (
    FUTURE_FIELDS,
    Problem,
    blocking,
    normalize_vin,
    validate_case,
)
from complaints.types import Action, Channel, Liability, State
from complaints.usecases import audit, auth
from complaints.usecases.context import Context
from complaints.usecases.errors import NotFound, StaleRecord, ValidationFailed
from db import queries
from db.retry import retried
from db.timeutil import from_db

if TYPE_CHECKING:
    from db.models import Case

# The start-up's first screen lists cases through this module on db.reads' early connection,
# before peewee is imported: what reaches peewee (db.models, db.case_rows, db.entry_rows, the
# proposals) is imported inside the functions that write or read one case. Without that early
# connection these imports belong at the top.


@dataclass(frozen=True)
class SaveResult:
    id: int
    number: str
    revision: int
    warnings: tuple[Problem, ...] = ()


def blank_case(ctx: Context) -> dict[str, Any]:
    """The values a new case starts with in the editor."""
    values: dict[str, Any] = {name: None for name in FIELD_NAMES}
    values.update(
        received_at=ctx.now(),
        channel=Channel.ON_SITE.value,
        kind="投诉",
        severity="一般投诉",
        business="售后",
        liability=Liability.PENDING.value,
        state=State.REGISTERED.value,
        media=False,
        needs_oem=False,
        attitude=False,
        collective=False,
    )
    return values


def normalize(values: Mapping[str, Any]) -> dict[str, Any]:
    """Trim text, turn empty text into None, upper-case the VIN and plate."""
    out: dict[str, Any] = {}
    for name, given in values.items():
        f = FIELDS_BY_NAME.get(name)
        if f is None:
            continue
        v = given
        if isinstance(v, str):
            v = v.strip() if f.type is not FieldType.LONG_TEXT else v.strip("\n ")
            if v == "":
                v = None
        if f.type is FieldType.BOOL and v is None:
            v = False
        if name == "vin" and v:
            v = normalize_vin(v)
        if name == "plate" and v:
            v = v.upper()
        out[name] = v
    return out


def _check(
    values: Mapping[str, Any], ctx: Context | None = None, changed: Mapping[str, Any] | None = None
) -> list[Problem]:
    """The rules on ``values``; with ``ctx``, also no received time or purchase date in the
    future: all of them for a new case, the ``changed`` ones for an edit."""
    future = FUTURE_FIELDS if changed is None else tuple(f for f in FUTURE_FIELDS if f in changed)
    problems = validate_case(
        values, now=ctx.now() if ctx else None, tz=ctx.tz if ctx else None, future_fields=future
    )
    hard = blocking(problems)
    if hard:
        raise ValidationFailed(hard)
    return problems


_BOOL_FIELDS = tuple(f.name for f in CASE_FIELDS if f.type is FieldType.BOOL)


@retried  # one transaction: run again if the office server undid it
def create_case(ctx: Context, values: Mapping[str, Any]) -> SaveResult:
    """Save a new case owned by this site, with its 登记 entry. Warnings don't block."""
    from complaints.usecases import proposals
    from db import case_rows, entry_rows
    from db.models import database

    data: dict[str, Any] = {name: None for name in FIELD_NAMES}
    data.update(normalize(values))
    for name in _BOOL_FIELDS:  # a yes/no box not given is "no"
        if data.get(name) is None:
            data[name] = False
    data.setdefault("liability", Liability.PENDING.value)
    data["liability"] = data["liability"] or Liability.PENDING.value
    data["state"] = data.get("state") or State.REGISTERED.value
    auth.require(ctx, "case.create", department=data.get("department"))
    now = ctx.now()
    with database.atomic():
        if not data.get("number"):
            received = data.get("received_at")
            data["number"] = case_rows.next_number(
                ctx.site, ctx.local(received if isinstance(received, datetime) else now)
            )
        problems = _check(data, ctx)
        if case_rows.number_taken(ctx.site, data["number"]):
            raise ValidationFailed([Problem("number", f"编号 {data['number']} 已被使用")])
        case = case_rows.insert(
            uid=str(uuid.uuid4()), site=ctx.site, revision=1, modified_at=now, **data
        )
        entry_rows.insert(
            uid=str(uuid.uuid4()),
            site=ctx.site,
            modified_at=now,
            case=case,
            at=data["received_at"],
            action=Action.RECEIVED.value,
            actor=ctx.actor,
            note="",
            recorded_at=now,
        )
        audit.record(
            ctx,
            "case.create",
            table="cases",
            uid=case.uid,
            note=case.number,
            changes={k: (None, v) for k, v in data.items() if v is not None and v is not False},
        )
        proposals.after_write(ctx, case.get_id())
    return SaveResult(case.get_id(), case.number, 1, tuple(problems))


def get_case(case_id: int) -> dict[str, Any]:
    from db import case_rows

    case = case_rows.case_dict(case_id)
    if case is None:
        raise NotFound(f"找不到投诉单(id {case_id})")
    return case


def find_case_id(number: str, site: str | None = None) -> int:
    from db import case_rows

    found = case_rows.find_id(number.strip(), site)
    if found is None:
        raise NotFound(f"找不到编号为 {number} 的投诉单")
    return found


# Fields only some roles may change, whoever else may edit the case (policy.md §2).
FIELD_PERMISSIONS: dict[str, str] = {
    "liability": "case.set_liability",
    "gm_instruction": "case.set_liability",
    "department": "case.assign",
}


def edit_permissions(changes: Mapping[str, Any]) -> list[str]:
    """The permissions a change of these fields needs: the special ones of
    FIELD_PERMISSIONS, plus case.edit for any other field."""
    needed = {FIELD_PERMISSIONS[k] for k in changes if k in FIELD_PERMISSIONS}
    if any(k not in FIELD_PERMISSIONS for k in changes):
        needed.add("case.edit")
    return sorted(needed)


def version_of(values: Mapping[str, Any]) -> str:
    """What identifies the stored content of a case (a dict of ``get_case``): its revision,
    last change and every field. An editor keeps the version it loaded and gives it back when
    it saves, so a save over somebody else's newer save is refused. The revision alone does
    not do: only the owning site counts revisions, so a case of another site keeps its
    revision through local edits; and times are stored to the second."""
    body = [
        values.get("revision"),
        str(values.get("modified_at")),
        bool(values.get("deleted")),
        *(str(values.get(name)) for name in FIELD_NAMES),
    ]
    return hashlib.sha256(json.dumps(body, ensure_ascii=False).encode()).hexdigest()[:16]


def _stale_message(ctx: Context, case: Case) -> str:
    """Who changed the case last, and when, as far as this database knows."""
    last = audit.entries(table="cases", uid=case.uid, limit=1)
    when = ctx.local(case.modified_at).strftime("%Y-%m-%d %H:%M")
    if last and last[0].at >= case.modified_at and last[0].actor:
        who = f"{last[0].actor}(站点 {last[0].site or case.site})"
        when = ctx.local(last[0].at).strftime("%Y-%m-%d %H:%M")
    else:  # e.g. arrived in a ledger: only the site and time are known
        who = f"站点 {case.site} 的同事"
    return (
        f"投诉单 {case.number} 已被他人修改:{who}于 {when} 保存了新的内容"
        f"(在您打开之后),您的修改尚未保存:请复制您的内容后重新打开。"
    )


@retried  # one transaction: run again if the office server undid it
def update_case(
    ctx: Context,
    case_id: int,
    values: Mapping[str, Any],
    *,
    expected_revision: int | None = None,
    expected_version: str | None = None,
) -> SaveResult:
    """Save changed fields. Refuses (StaleRecord) if the case changed since it was opened:
    ``expected_version`` is ``version_of`` the case as the editor loaded it (any site's
    case); ``expected_revision`` the revision it loaded (enough for this site's cases)."""
    from complaints.usecases import proposals
    from db import case_rows
    from db.models import database

    with database.atomic():
        case = case_rows.get_for_write(case_id)
        if case is None:
            raise NotFound(f"找不到投诉单(id {case_id})")
        current = case_rows.case_to_dict(case)
        if (expected_revision is not None and case.revision != expected_revision) or (
            expected_version is not None and version_of(current) != expected_version
        ):
            raise StaleRecord(_stale_message(ctx, case))
        merged = {name: current[name] for name in FIELD_NAMES}
        merged.update(normalize(values))
        merged.update(emergency_rules.declared_changes(current, merged, ctx.now()))
        changes = {k: v for k, v in merged.items() if v != current[k]}
        for permission in edit_permissions(changes):
            auth.require(ctx, permission, department=case.department)
        problems = _check(merged, ctx, changes)
        if changes:
            for k, v in changes.items():
                setattr(case, k, v)
            case.modified_at = ctx.now()
            if case.site == ctx.site:
                case.revision += 1  # the owner counts revisions (ledger.md)
            case.save()
            audit.record(
                ctx,
                "case.update",
                table="cases",
                uid=case.uid,
                note=case.number,
                changes={k: (current[k], v) for k, v in changes.items()},
            )
            proposals.after_write(ctx, case_id)
    return SaveResult(case_id, case.number, case.revision, tuple(problems))


@retried  # one transaction: run again if the office server undid it
def delete_case(ctx: Context, case_id: int) -> None:
    """A tombstone, so the deletion travels in the ledger."""
    from complaints.usecases import proposals
    from db import case_rows
    from db.models import database

    with database.atomic():
        case = case_rows.get(case_id)
        if case is None:
            raise NotFound(f"找不到投诉单(id {case_id})")
        auth.require(ctx, "case.delete", department=case.department)
        if case.deleted:
            return
        case.deleted = True
        case.modified_at = ctx.now()
        if case.site == ctx.site:
            case.revision += 1
        case.save()
        audit.record(
            ctx,
            "case.delete",
            table="cases",
            uid=case.uid,
            note=case.number,
            changes={"deleted": (False, True)},
        )
        proposals.after_write(ctx, case_id)  # withdraws what is still pending


def list_entries(case_id: int) -> list[dict[str, Any]]:
    """A case's entries, oldest first: ``note`` is the free 说明, the structured values are
    keys of their own (their columns) and ``params`` (by params key)."""
    from db import entry_rows

    return entry_rows.case_entries(case_id)


# --- lists ----------------------------------------------------------------------------------

LIST_COLUMNS: tuple[str, ...] = (
    "number",
    "received_at",
    "state",
    "channel",
    "kind",
    "severity",
    "customer_name",
    "phone",
    "car_model",
    "plate",
    "department",
    "responsible",
    "content",
    "site",
)


def case_ids(f: CaseFilter, sort: Sort = NEWEST_FIRST, limit: int | None = None) -> list[int]:
    """The ids of the matching cases in ``sort`` order (the first ``limit`` of them)."""
    return queries.case_ids(f, sort, limit=limit)


def all_case_ids(f: CaseFilter, sort: Sort = NEWEST_FIRST) -> array[int]:
    """The ids of every matching case in ``sort`` order, compactly (the case list of a
    million cases holds them all)."""
    return queries.case_id_array(f, sort)


def case_rows(ids: Sequence[int], columns: Sequence[str] = LIST_COLUMNS) -> dict[int, tuple]:
    """Display-ready values: times as aware datetimes, the rest as stored."""
    for c in columns:
        if c not in FIELDS_BY_NAME and c not in KEY_NAMES:
            raise ValueError(f"unknown column {c!r}")
    time_cols = [
        i
        for i, c in enumerate(columns)
        if c == "modified_at"
        or (c in FIELDS_BY_NAME and FIELDS_BY_NAME[c].type is FieldType.DATETIME)
    ]
    rows = queries.case_rows(ids, columns)
    if time_cols:
        for key, row in rows.items():
            r = list(row)
            for i in time_cols:
                r[i] = from_db(r[i])
            rows[key] = tuple(r)
    return rows


def search(text: str, limit: int = 100) -> list[int]:
    """The newest ``limit`` cases matching ``text``."""
    return queries.case_ids(CaseFilter(text=text), Sort("received_at", True), limit=limit)

"""The database side of the ledger: records as ledger values, streamed for export,
and the canonical digest that tells whether a record's values changed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from complaints.rules.validation import mask_phone
from db import ledger_rows, ledger_state
from db.timeutil import to_db
from ledger import columns as C
from ledger.columns import Column, Kind
from ledger.validate import is_masked_phone

# Keys left out of the digest: the revision is compared on its own, and
# 最后修改时间 is "for people, not for ordering" (ledger.md).
_NOT_DIGESTED = {"revision", "modified_at"}


def fast_to_db(v: datetime) -> str:
    """db.timeutil.to_db, without strftime when isoformat gives the same text."""
    if v.tzinfo is not None:
        u = v.astimezone(UTC)
        if not u.microsecond and u.year >= 1000:
            return u.isoformat()  # "YYYY-MM-DDTHH:MM:SS+00:00", as to_db's format
    text = to_db(v)
    assert text is not None  # to_db gives None for None only
    return text


# The columns whose canonical values make a digest, frozen as they were when digests were
# first stored (ledger_base, ledger_conflicts, and every 版本指纹 in files at other sites):
# these keys, in this order, joined by \x1f. A column added to a sheet later (an optional
# column of a later version) is appended as "\x1ekey=value" only when it holds a value, so
# every digest and fingerprint made before it, or by a site that does not know it, stays
# the same for a record that leaves it empty (a yes/no column left at 否 counts as empty).
DIGEST_KEYS = {
    C.SHEET_CASES: (
        "number",
        "received_at",
        "channel",
        "kind",
        "severity",
        "initiative",
        "business",
        "area",
        "media",
        "needs_oem",
        "attitude",
        "collective",
        "content",
        "car_model",
        "vin",
        "work_order",
        "plate",
        "purchase_date",
        "mileage",
        "customer_name",
        "gender",
        "phone",
        "advisor",
        "repair_content",
        "repair_team",
        "background",
        "demand",
        "department",
        "responsible",
        "plan",
        "handled_date",
        "gm_instruction",
        "liability",
        "state",
        "closed_at",
        "callback_at",
        "satisfaction",
        "callback2_at",
        "satisfaction2",
        "cac_number",
        "fmc_status",
        "station_name",
        "complaint_nature",
        "uid",
        "site",
        "deleted",
    ),
    C.SHEET_ENTRIES: ("at", "action", "actor", "note", "case_uid", "uid", "site", "deleted"),
    C.SHEET_SANCTIONS: (
        "type",
        "rule",
        "department",
        "person",
        "amount",
        "reason",
        "date",
        "status",
        "case_uid",
        "uid",
        "site",
        "deleted",
    ),
}


def _digest_plan(sheet: str) -> tuple[tuple[tuple[str, bool], ...], tuple[tuple[str, bool], ...]]:
    """(the frozen columns, the columns added since), each as (key, is yes/no)."""
    cols = {
        c.key: c
        for c in C.SHEET_COLUMNS[sheet]
        if c.key not in _NOT_DIGESTED and not c.derived and c.stored
    }
    yes_no = {k: c.kind in (Kind.BOOL, Kind.DELETED) for k, c in cols.items()}
    frozen = tuple((k, yes_no.get(k, False)) for k in DIGEST_KEYS[sheet])
    added = tuple((k, yes_no[k]) for k in cols if k not in DIGEST_KEYS[sheet])
    return frozen, added


_DIGEST_PLAN = {sheet: _digest_plan(sheet) for sheet in C.SHEET_COLUMNS}


def _compile_digest(sheet: str):
    """The digest of one sheet written out as straight-line code (one expression per
    column, no loop): called for every imported record."""
    ns: dict[str, Any] = {
        "sha1": hashlib.sha1,
        "datetime": datetime,
        "fast_to_db": fast_to_db,
        "_canon_value": _canon_value,
    }
    frozen, added = _DIGEST_PLAN[sheet]

    def canon(key: str, yes_no: bool) -> str:
        blank = f"'' if (v := get({key!r})) is None or v == '' else "
        if yes_no:
            return f"{blank}('1' if v else '0')"
        return (
            f"{blank}v if v.__class__ is str else fast_to_db(v) "
            "if v.__class__ is datetime else _canon_value(v)"
        )

    lines = ["def digest(values):", "    get = values.get", "    parts = ["]
    lines += [f"        {canon(key, yes_no)}," for key, yes_no in frozen]
    lines += ["    ]", "    text = '\\x1f'.join(parts)"]
    for key, yes_no in added:
        # an added yes/no column left at 否 holds no value: records that never had the
        # column keep their digest
        value = f"('1' if get({key!r}) else '')" if yes_no else canon(key, yes_no)
        lines += [f"    c = {value}", "    if c:", f"        text += '\\x1e' + {key!r} + '=' + c"]
    lines += ["    return sha1(text.encode('utf-8')).hexdigest()"]
    exec(compile("\n".join(lines), f"<digest {sheet}>", "exec"), ns)
    return ns["digest"]


def digest_of(sheet: str):
    """digest(sheet, ·) as a one-argument function (for loops over many records)."""
    return _DIGESTS[sheet]


def digest(sheet: str, values: Mapping[str, Any]) -> str:
    """SHA-1 of the record's canonical values (see _canon), the same text forever: stored
    digests (ledger_base, conflicts) are compared with new ones."""
    return _DIGESTS[sheet](values)


def _masked(values: Mapping[str, Any]) -> Mapping[str, Any]:
    phone = values.get("phone")
    if not phone or is_masked_phone(phone):
        return values
    return {**values, "phone": mask_phone(phone)}


def fingerprint(sheet: str, values: Mapping[str, Any]) -> str:
    """The 版本指纹 of a record's content: the first 16 hex digits of its
    digest, with the customer's phone masked as a file that leaves the branch has it
    (138****5678), so a masked and a full copy of one version have one fingerprint.
    Together with the 修订号 it names a version: two copies with one revision and two
    fingerprints are two versions, which a person reconciles."""
    if sheet == C.SHEET_CASES:
        values = _masked(values)
    return _DIGESTS[sheet](values)[: C.FINGERPRINT_LENGTH]


def fingerprint_from(sheet: str, values: Mapping[str, Any], digest_value: str) -> str:
    """fingerprint(sheet, values), given digest(sheet, values): the same digest serves
    when no phone needs masking (a tracking entry, a sanction, most imported cases)."""
    if sheet == C.SHEET_CASES:
        masked = _masked(values)
        if masked is not values:
            return _DIGESTS[sheet](masked)[: C.FINGERPRINT_LENGTH]
    return digest_value[: C.FINGERPRINT_LENGTH]


def _canon_value(v: Any) -> str:
    if isinstance(v, datetime):
        return to_db(v) or ""
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


_DIGESTS = {sheet: _compile_digest(sheet) for sheet in _DIGEST_PLAN}


def _canon(col: Column, v: Any) -> str:
    """The canonical text of one value (what digest() joins; kept as the reference)."""
    if v is None or v == "":
        return ""
    if col.kind in (Kind.BOOL, Kind.DELETED):
        return "1" if v else "0"
    return _canon_value(v)


def to_json(sheet: str, values: Mapping[str, Any]) -> str:
    out = {}
    for col in C.SHEET_COLUMNS[sheet]:
        if not col.stored:
            continue
        v = values.get(col.key)
        if isinstance(v, (datetime, date)):
            v = v.isoformat()
        out[col.key] = v
    return json.dumps(out, ensure_ascii=False)


def from_json(sheet: str, text: str) -> dict[str, Any]:
    raw = json.loads(text)
    out = {}
    for col in C.SHEET_COLUMNS[sheet]:
        if not col.stored:
            continue
        v = raw.get(col.key)
        if v is not None and col.kind in (Kind.DATETIME, Kind.STAMP):
            v = datetime.fromisoformat(v)
        elif v is not None and col.kind is Kind.DATE:
            v = date.fromisoformat(v)
        out[col.key] = v
    return out


# --- reading records as ledger values --------------------------------------------------------


def _keys(table: str) -> list[str]:
    return [c.key for c in C.SHEET_COLUMNS[C.TABLE_SHEET[table]]]


def local_values(table: str, uid: str) -> dict[str, Any] | None:
    """The record's ledger values; its "fingerprint" is None (see export_fingerprint for
    the value a file carries)."""
    out = ledger_rows.record(table, _keys(table), uid)
    if out is not None:
        out["fingerprint"] = None
    return out


def export_fingerprint(sheet: str, record: dict[str, Any], my_site: str | None) -> str:
    """The 版本指纹 a file carries for ``record`` (as iter_records reads it): a record of
    another site that came in from a ledger at its present revision names the version it
    came in as, so an edit made here travels as an edit of that version (a proposal to its
    owner, ledger.merge), never as a new version; any other record names its content."""
    base = record.get("fingerprint")
    if my_site is not None and base and record.get("site") != my_site:
        rev, _, fp = base.partition(":")
        if rev == str(record.get("revision")) and fp:
            return fp
    return fingerprint(sheet, record)


def count_records(table: str, *, sites: Sequence[str] | None, since: datetime | None) -> int:
    """How many rows iter_records will yield (call in the same transaction)."""
    return ledger_rows.count_records(table, sites=sites, since=since)


def iter_records(
    table: str,
    *,
    sites: Sequence[str] | None,
    since: datetime | None,
    batch: int = 2000,
    my_site: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Every record of ``table`` owned by ``sites`` (all when None), or - for entries and
    sanctions - belonging to a case of those sites, or edited here; with ``since``, only
    those changed here (modified, or applied from another ledger) after that time.
    Streamed in id order, each with the 版本指纹 a file written at ``my_site`` carries
    (export_fingerprint; without ``my_site``, its content's)."""
    sheet = C.TABLE_SHEET[table]
    for rec in ledger_rows.iter_records(table, _keys(table), sites=sites, since=since, batch=batch):
        rec["fingerprint"] = export_fingerprint(sheet, rec, my_site)
        yield rec


def record_own_versions(my_site: str, since: str | None) -> int:
    """Remember the present version of each record of ``my_site`` (all tables) saved at or
    after ``since`` (stored time text; None: all) in ledger_versions: called after an
    export, so every version of its own that this site sent is known to it (ledger.merge:
    an older version of its own it never had is a conflict). Returns how many rows.

    Revision 1 is a record's first version, which only its creation makes: one per record,
    never asked about (ledger.merge), so not stored."""
    n = 0
    for table in ("cases", "entries", "sanctions"):
        sheet = C.TABLE_SHEET[table]
        for records in ledger_rows.iter_own_revised(table, _keys(table), my_site, since):
            ledger_state.remember_versions(
                [(rec["uid"], rec["revision"], fingerprint(sheet, rec)) for rec in records]
            )
            n += len(records)
    return n


def count_uids(table: str, uids: Sequence[str]) -> int:
    """How many of ``uids`` exist in ``table`` (for the after-import comparison)."""
    return ledger_rows.count_uids(table, uids)

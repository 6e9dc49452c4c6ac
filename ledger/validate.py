"""A ledger row's cells as the values of a record, with a reason for every bad cell
(ledger.cell_values) and the domain's rules on an incoming case."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import partial
from typing import Any

from complaints.fields import FIELDS_BY_NAME
from complaints.rules.validation import validate_case
from ledger import columns as C
from ledger.cell_values import (
    INT_BOUNDS,
    INT_DEFAULT_BOUNDS,
    MAX_YEAR,
    MIN_YEAR,
    CellError,
    parse_cell,
)
from ledger.columns import Column, Kind

MASKED_PHONE_RE = re.compile(r"\d{0,4}\*{3,}\d{0,4}|\*+")


@dataclass(frozen=True, slots=True)
class RowProblem:
    sheet: str
    row: int  # the row number in Excel (header is row 1); 0 for the file as a whole
    column: str  # the header, or "" for the row as a whole
    reason: str

    def __str__(self) -> str:
        where = f"“{self.sheet}”第 {self.row} 行" if self.row else f"“{self.sheet}”"
        col = f"“{self.column}”列" if self.column else ""
        return f"{where}{col}:{self.reason}"


def is_masked_phone(value: str | None) -> bool:
    """A phone as a file that left its branch shows it (138****5678)."""
    if not value:
        return False
    return MASKED_PHONE_RE.fullmatch(value.replace(" ", "")) is not None


_UID_RE = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{7,63}")


def parse_row(
    sheet: str,
    row: int,
    raw: Mapping[str, Any],
    present: set[str],
    tz: tzinfo,
) -> tuple[dict[str, Any], list[RowProblem]]:
    """Typed values of a row (only the columns present in the file) and its problems."""
    values: dict[str, Any] = {}
    problems: list[RowProblem] = []
    for col in C.SHEET_COLUMNS[sheet]:
        if col.key not in present or col.derived:
            continue
        try:
            v = parse_cell(col, raw.get(col.key), tz)
        except CellError as e:
            problems.append(RowProblem(sheet, row, col.header, str(e)))
            continue
        if v is None and col.required:
            problems.append(RowProblem(sheet, row, col.header, "必须填写"))
        values[col.key] = v
    uid = values.get("uid")
    if uid and not _UID_RE.fullmatch(uid):
        problems.append(RowProblem(sheet, row, "记录ID", f"记录ID格式不对:“{uid}”"))
    if values.get("case_uid") and not _UID_RE.fullmatch(values["case_uid"]):
        problems.append(RowProblem(sheet, row, "投诉记录ID", "投诉记录ID格式不对"))
    values["revision"] = values.get("revision") or 1
    values["deleted"] = bool(values.get("deleted"))
    if sheet == C.SHEET_CASES and not problems:
        problems.extend(case_problems(row, values))
    return values, problems


_BOOL_FIELDS = tuple(name for name, f in FIELDS_BY_NAME.items() if f.type.value == "bool")


def case_problems(row: int, values: Mapping[str, Any]) -> list[RowProblem]:
    """The domain rules (complaints.rules.validation) on an incoming case; blocking only."""
    check = dict(values)
    masked = is_masked_phone(values.get("phone"))
    if masked:
        check["phone"] = None  # a masked phone (138****5678) is accepted as it is
    for name in _BOOL_FIELDS:
        if check.get(name) is None:
            check[name] = False
    out = []
    received = check.get("received_at")
    # no received time or purchase date in the future, as when typed
    now = datetime.now(UTC)
    tz = received.tzinfo if isinstance(received, datetime) and received.tzinfo else UTC
    for p in validate_case(check, now=now, tz=tz):
        if not p.blocking:
            continue
        f = FIELDS_BY_NAME.get(p.field)
        out.append(RowProblem(C.SHEET_CASES, row, f.header if f else p.field, p.message))
    return out


# --- the same, fast: per-column work chosen once per sheet ------------------------------------

_ISO_STAMP_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2}"
)
_BOOL_WORDS = {"是": True, "否": False}


def _fast_parser(col: Column, tz: tzinfo):
    """A function giving exactly parse_cell(col, raw, tz): the usual cell type is handled
    inline, anything else (and every error) goes to parse_cell itself."""
    k = col.kind

    def slow(raw: Any) -> Any:
        return parse_cell(col, raw, tz)

    if k in (Kind.TEXT, Kind.ENUM, Kind.UID, Kind.LONG):
        chars = "\n " if k is Kind.LONG else None
        choices = frozenset(col.choices) if k is Kind.ENUM and col.choices else None
        limit = col.max_length

        def text(raw: Any) -> Any:
            if raw is None:
                return None
            if raw.__class__ is not str:
                return slow(raw)
            s = raw.strip(chars)
            if not s:
                return None
            if (choices is not None and s not in choices) or (limit and len(s) > limit):
                return slow(raw)
            return s

        return text
    if k is Kind.DATETIME:
        half = timedelta(microseconds=500_000)

        def moment(raw: Any) -> Any:
            if (
                raw.__class__ is datetime
                and raw.tzinfo is None
                and (MIN_YEAR <= raw.year <= MAX_YEAR)
            ):
                if raw.microsecond:
                    raw = raw + half
                return raw.replace(tzinfo=tz, microsecond=0)
            return slow(raw)

        return moment
    if k is Kind.STAMP:
        iso = datetime.fromisoformat
        match = _ISO_STAMP_RE.fullmatch

        def stamp(raw: Any) -> Any:
            if raw.__class__ is str and match(raw):
                try:
                    v = iso(raw)
                except ValueError:
                    pass
                else:
                    if MIN_YEAR <= v.year <= MAX_YEAR:
                        return v
            return slow(raw)

        return stamp
    if k in (Kind.INT, Kind.REVISION):
        lo, hi = INT_BOUNDS.get(col.key, INT_DEFAULT_BOUNDS)
        if k is Kind.REVISION:
            lo = max(lo, 1)

        def integer(raw: Any) -> Any:
            c = raw.__class__
            if c is int:
                v = raw
            elif c is float and raw.is_integer() and -1e18 < raw < 1e18:
                v = int(raw)
            else:
                return slow(raw)
            if not lo <= v <= hi:
                return slow(raw)
            return v

        return integer
    if k in (Kind.BOOL, Kind.DELETED):

        def yes_no(raw: Any) -> Any:
            if raw is None:
                return None
            v = _BOOL_WORDS.get(raw) if raw.__class__ is str else None
            return slow(raw) if v is None else v

        return yes_no
    if k is Kind.DATE:

        def day(raw: Any) -> Any:
            c = raw.__class__
            if (c is date or c is datetime) and MIN_YEAR <= raw.year <= MAX_YEAR:
                return raw if c is date else raw.date()
            return slow(raw)

        return day
    return slow


def _fixed_offset(tz: tzinfo) -> timedelta | None:
    """The offset of a zone that has one offset at every time (a file's 时区, +08:00), or
    None for a zone with a history (daylight saving, changes of law): only a fixed offset
    lets a wall time become UTC by one subtraction."""
    return tz.utcoffset(None) if tz.__class__ is timezone else None


def stored_time_keys(sheet: str) -> tuple[str, ...]:
    """The columns RowParser(stored_times=True) may give as their stored text."""
    return tuple(c.key for c in C.SHEET_COLUMNS[sheet] if c.kind in (Kind.DATETIME, Kind.STAMP))


def parsed_times(sheet: str, values: dict[str, Any], tz: tzinfo) -> dict[str, Any]:
    """``values`` of RowParser(sheet, ·, tz, stored_times=True) as parse_row gives them,
    completed in place: a time given as its stored text becomes the datetime parse_row
    makes (a 时间 in the file's zone ``tz``, a 最后修改时间 at the offset its text named,
    which the fast path requires to be the file's)."""
    off = _fixed_offset(tz)
    if off is None:
        return values  # no time was given as text
    kinds = {c.key: c.kind for c in C.SHEET_COLUMNS[sheet]}
    for key in stored_time_keys(sheet):
        v = values.get(key)
        if v.__class__ is str:
            zone = tz if kinds[key] is Kind.DATETIME else timezone(off)
            values[key] = datetime.fromisoformat(v).astimezone(zone)
    return values


class RowParser:
    """parse_row for one sheet of one file, from the raw row tuple: which cell feeds which
    column, and how it is parsed, is worked out once, and written out as the source of
    one straight-line function (the import's hot loop: no per-cell loop, no call for the
    usual text cell). The hypothesis test in tests/ledger checks it equals parse_row.

    With ``stored_times`` and a file zone of one fixed offset, a time cell in the usual
    form (a 时间 as an Excel date without zone, a 最后修改时间 as ISO text at the file's
    offset) is given as the text the database stores (db.timeutil.to_db: UTC,
    "YYYY-MM-DDTHH:MM:SS+00:00"), which is also the digest's canonical form of that time;
    parsed_times turns such values back into parse_row's."""

    def __init__(
        self,
        sheet: str,
        columns: Mapping[int, Column],
        tz: tzinfo,
        *,
        stored_times: bool = False,
    ):
        self.sheet = sheet
        at = {c.key: i for i, c in columns.items()}
        self.plan = [
            (at[c.key], c.key, c.header, c.required, _fast_parser(c, tz), c)
            for c in C.SHEET_COLUMNS[sheet]
            if c.key in at and not c.derived
        ]
        self.offset = _fixed_offset(tz) if stored_times else None
        self.parse = self._compile(tz)

    def _compile(self, tz: tzinfo):
        width = max((idx for idx, *_ in self.plan), default=-1) + 1
        ns: dict[str, Any] = {
            "CellError": CellError,
            "RowProblem": RowProblem,
            "SHEET": self.sheet,
            "PAD": (None,) * width,
            "UID_MATCH": _UID_RE.fullmatch,
            "case_problems": case_problems,
            "datetime": datetime,
            "MIN_YEAR": MIN_YEAR,
            "MAX_YEAR": MAX_YEAR,
            "HALF": timedelta(microseconds=500_000),
            "OFF": self.offset,
            "ISO": datetime.fromisoformat,
            "STAMP_MATCH": _ISO_STAMP_RE.fullmatch,
            # the file's offset as a 最后修改时间 writes it (+08:00)
            "ZONE": (
                datetime(2000, 1, 1, tzinfo=timezone(self.offset)).isoformat()[19:]
                if self.offset is not None
                else ""
            ),
        }
        lines = [
            "def parse(row, raw):",
            f"    if len(raw) < {width}:",
            "        raw = (*raw, *PAD[len(raw):])",
            "    values = {}",
            "    problems = []",
        ]
        for n, (idx, key, header, required, conv, col) in enumerate(self.plan):
            ns[f"C{n}"] = conv
            ns[f"S{n}"] = partial(parse_cell, col, tz=tz)
            k = col.kind
            if k in (Kind.TEXT, Kind.ENUM, Kind.UID, Kind.LONG):
                chars = repr("\n ") if k is Kind.LONG else ""
                checks = []
                if k is Kind.ENUM and col.choices:
                    ns[f"CH{n}"] = frozenset(col.choices)
                    checks.append(f"v not in CH{n}")
                if col.max_length:
                    checks.append(f"len(v) > {int(col.max_length)}")
                lines += [
                    f"    r = raw[{idx}]",
                    "    try:",
                    "        if r is None:",
                    "            v = None",
                    "        elif r.__class__ is str:",
                    f"            v = r.strip({chars})",
                    "            if not v:",
                    "                v = None",
                ]
                if checks:
                    lines += [
                        f"            elif {' or '.join(checks)}:",
                        f"                v = S{n}(r)",
                    ]
                lines += ["        else:", f"            v = S{n}(r)"]
            elif k is Kind.DATETIME and self.offset is not None:
                # as _fast_parser's moment, then to_db: a wall time in a zone of one
                # offset is UTC by one subtraction
                lines += [
                    f"    r = raw[{idx}]",
                    "    try:",
                    "        if (",
                    "            r.__class__ is datetime",
                    "            and r.tzinfo is None",
                    "            and MIN_YEAR <= r.year <= MAX_YEAR",
                    "        ):",
                    "            if r.microsecond:",
                    "                r = (r + HALF).replace(microsecond=0)",
                    "            v = (r - OFF).isoformat() + '+00:00'",
                    "        else:",
                    f"            v = C{n}(r)",
                ]
            elif k is Kind.STAMP and self.offset is not None:
                # as _fast_parser's stamp, then to_db, for a text at the file's offset
                lines += [
                    f"    r = raw[{idx}]",
                    "    try:",
                    "        w = None",
                    "        if r.__class__ is str and r.endswith(ZONE) and STAMP_MATCH(r):",
                    "            try:",
                    "                w = ISO(r[:19])",
                    "            except ValueError:",
                    "                pass",
                    "        if w is not None and MIN_YEAR <= w.year <= MAX_YEAR:",
                    "            v = (w - OFF).isoformat() + '+00:00'",
                    "        else:",
                    f"            v = C{n}(r)",
                ]
            else:
                lines += ["    try:", f"        v = C{n}(raw[{idx}])"]
            lines += [
                "    except CellError as e:",
                f"        problems.append(RowProblem(SHEET, row, {header!r}, str(e)))",
                "    else:",
            ]
            if required:
                lines += [
                    "        if v is None:",
                    f"            problems.append(RowProblem(SHEET, row, {header!r}, '必须填写'))",
                ]
            lines.append(f"        values[{key!r}] = v")
        lines += [
            "    uid = values.get('uid')",
            "    if uid and not UID_MATCH(uid):",
            "        problems.append(RowProblem(SHEET, row, '记录ID', f'记录ID格式不对:“{uid}”'))",
            "    cu = values.get('case_uid')",
            "    if cu and not UID_MATCH(cu):",
            "        problems.append(RowProblem(SHEET, row, '投诉记录ID', '投诉记录ID格式不对'))",
            "    values['revision'] = values.get('revision') or 1",
            "    values['deleted'] = bool(values.get('deleted'))",
        ]
        if self.sheet == C.SHEET_CASES:
            lines += ["    if not problems:", "        problems.extend(case_problems(row, values))"]
        lines.append("    return values, problems")
        exec(compile("\n".join(lines), f"<RowParser {self.sheet}>", "exec"), ns)
        return ns["parse"]

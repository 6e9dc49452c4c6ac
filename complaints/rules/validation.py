"""Validation of a case's values: each problem names the field and what is wrong.

Pure. Values are already typed (str, datetime, date, bool, int, enum words).
A problem is blocking unless it is a warning (a VIN whose check digit is off:
real VINs with a wrong check digit exist on imported cars, so it only warns).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import cast

from complaints.fields import CASE_FIELDS, FIELDS_BY_NAME, FieldType

_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    "A": 1,
    "B": 2,
    "C": 3,
    "D": 4,
    "E": 5,
    "F": 6,
    "G": 7,
    "H": 8,
    "J": 1,
    "K": 2,
    "L": 3,
    "M": 4,
    "N": 5,
    "P": 7,
    "R": 9,
    "S": 2,
    "T": 3,
    "U": 4,
    "V": 5,
    "W": 6,
    "X": 7,
    "Y": 8,
    "Z": 9,
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_VIN_RE = re.compile(r"[A-HJ-NPR-Z0-9]{17}")
_PHONE_RE = re.compile(r"(\+?86[ -]?)?[0-9][0-9 -]{5,18}[0-9]")
_MASKED_PHONE_RE = re.compile(r"[0-9]{3}\*{1,8}[0-9]{4}|\*{1,7}")  # what mask_phone makes


@dataclass(frozen=True, slots=True)
class Problem:
    field: str
    message: str
    blocking: bool = True


def vin_check_digit(vin: str) -> str:
    """The check digit (9th character) a 17-character VIN should carry."""
    total = sum(_VIN_VALUES[c] * w for c, w in zip(vin.upper(), _VIN_WEIGHTS, strict=True))
    rest = total % 11
    return "X" if rest == 10 else str(rest)


def normalize_vin(vin: str) -> str:
    return vin.strip().upper().replace(" ", "")


def vin_problems(vin: str, field: str = "vin") -> list[Problem]:
    v = normalize_vin(vin)
    if len(v) != 17:
        return [Problem(field, f"VIN 应为 17 位,现在是 {len(v)} 位")]
    bad = sorted({c for c in v if c in "IOQ"})
    if bad:
        return [Problem(field, f"VIN 不能含字母 {'、'.join(bad)}(易与数字 1、0 混淆)")]
    if not _VIN_RE.fullmatch(v):
        return [Problem(field, "VIN 只能由数字和大写字母组成")]
    expected = vin_check_digit(v)
    if v[8] != expected:
        return [Problem(field, f"VIN 第 9 位校验码应为 {expected},请核对(可保存)", blocking=False)]
    return []


def phone_digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)


# A mobile number typed in groups or with the country code: 139 8765 4321, 139-8765-4321,
# +86 13987654321.
_GROUPED_MOBILE_RE = re.compile(r"(?:(?:\+|00)86[ -]*)?1\d{2}[ -]*\d{4}[ -]*\d{4}")


def tidy_phone(phone: str) -> str:
    """A mobile number however it was typed as its 11 digits, so one customer's number is
    spelled one way (found by search, matched for repeat complaints); any other number as
    typed (an area code's dash stays), trimmed."""
    p = phone.strip()
    if _GROUPED_MOBILE_RE.fullmatch(p):
        return phone_digits(p)[-11:]
    return p


# A car's plate: the province's character, the city's letter, then 5 letters and digits
# (6 for a new-energy car), typed with or without a dot or a space after the letter.
_PLATE_RE = re.compile(
    "[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]"
    r"[A-Za-z][·・• -]?([A-Za-z0-9]{5,6})"
)


def search_text(text: str) -> str:
    """What the case list looks for when this is typed in its search box: a mobile as its
    digits; a plate as the part after the province and city letter, so 沪A89243, 沪A·89243
    and 沪A 89243 find the car however its case spelled the plate."""
    t = tidy_phone(text)
    plate = _PLATE_RE.fullmatch(t)
    return plate.group(1) if plate else t


def phone_problems(phone: str, field: str = "phone") -> list[Problem]:
    p = phone.strip()
    if _MASKED_PHONE_RE.fullmatch(p):
        # a case from a ledger exported with hidden phones: it must stay editable
        return [
            Problem(
                field,
                "联系电话中间几位已隐藏(来自隐藏手机号的台账),可以保存,但无法据此联系客户",
                blocking=False,
            )
        ]
    if not _PHONE_RE.fullmatch(p):
        return [Problem(field, "联系电话只能是数字(可含区号、“-”和空格),7 到 15 位")]
    digits = phone_digits(p)
    if not 7 <= len(digits) <= 15:
        return [Problem(field, f"联系电话位数不对({len(digits)} 位)")]
    if p.startswith("1") and len(digits) != 11 and "-" not in p and " " not in p:
        return [Problem(field, f"手机号应为 11 位,现在是 {len(digits)} 位")]
    return []


def mask_phone(phone: str | None) -> str:
    """138****5678: keep the first three and last four digits."""
    if not phone:
        return ""
    d = phone_digits(phone)
    if len(d) < 8:
        return "*" * len(d)
    return d[:3] + "*" * (len(d) - 7) + d[-4:]


_TYPE_CHECKS = {
    FieldType.TEXT: str,
    FieldType.LONG_TEXT: str,
    FieldType.ENUM: str,
    FieldType.BOOL: bool,
    FieldType.INT: int,
    FieldType.DATETIME: datetime,
    FieldType.DATE: date,
}


# A received time or a purchase/repair date later than now is a typing slip (2062 for 2026,
# 12-07 for 11-07) that would silently take the case out of 待办; a minute of
# difference between two PCs' clocks is not.
CLOCK_SKEW = timedelta(minutes=1)
FUTURE_FIELDS = ("received_at", "purchase_date")


def future_problems(
    values: Mapping[str, object],
    now: datetime,
    tz: tzinfo | None,
    fields: tuple[str, ...] = FUTURE_FIELDS,
) -> list[Problem]:
    """A 接单时间 later than ``now`` (beyond CLOCK_SKEW) or a 购车/维修时间 after the office's
    today (in ``tz``; None: the computer's zone): each refused, naming the value and the field."""
    latest = now + CLOCK_SKEW
    out: list[Problem] = []
    received = values.get("received_at")
    if (
        "received_at" in fields
        and isinstance(received, datetime)
        and received.tzinfo
        and received > latest
    ):
        out.append(
            Problem(
                "received_at",
                f"“接单时间”{received.astimezone(tz):%Y-%m-%d %H:%M}"
                f" 晚于现在({now.astimezone(tz):%Y-%m-%d %H:%M}),"
                "不能登记将来的时间;请核对日期(或本机时钟)",
            )
        )
    bought = values.get("purchase_date")
    today = latest.astimezone(tz).date()
    if (
        "purchase_date" in fields
        and isinstance(bought, date)
        and not isinstance(bought, datetime)
        and bought > today
    ):
        out.append(
            Problem(
                "purchase_date",
                f"“购车/维修时间”{bought:%Y-%m-%d} 晚于今天({today:%Y-%m-%d}),请核对日期",
            )
        )
    return out


def validate_case(
    values: Mapping[str, object],
    *,
    now: datetime | None = None,
    tz: tzinfo | None = None,
    future_fields: tuple[str, ...] = FUTURE_FIELDS,
) -> list[Problem]:
    """Every problem with a case's values, in the order of the field catalogue; with
    ``now`` (and the office's ``tz``), also the dates of ``future_fields`` after it."""
    problems = _FIELD_PROBLEMS(values)
    if values.get("vin"):
        problems.extend(vin_problems(str(values["vin"])))
    if values.get("phone"):
        problems.extend(phone_problems(str(values["phone"])))
    area = values.get("area")
    if area and values.get("business") == "销售":
        problems.append(Problem("area", "“售后分类”只用于售后业务", blocking=False))
    if now is not None:
        problems.extend(future_problems(values, now, tz or now.tzinfo, future_fields))
    return problems


@functools.cache
def _choice_values(_field: str, choices: type[StrEnum]) -> frozenset[str]:
    """The allowed words of an enumerated field, built once (an import validates 100k rows)."""
    return frozenset(c.value for c in choices)


def _field_problems(values: Mapping[str, object]) -> list[Problem]:
    """Each field's own problems (required, type, zone, choices, length, sign), in the
    order of the field catalogue: the reference _FIELD_PROBLEMS is written out from."""
    problems: list[Problem] = []
    for f in CASE_FIELDS:
        v = values.get(f.name)
        if v is None or (isinstance(v, str) and not v.strip()):
            if f.required:
                problems.append(Problem(f.name, f"“{f.label}”必须填写"))
            continue
        expected = _TYPE_CHECKS[f.type]
        if not isinstance(v, expected) or (f.type is FieldType.INT and isinstance(v, bool)):
            problems.append(Problem(f.name, f"“{f.label}”的值类型不对:{v!r}"))
            continue
        if f.type is FieldType.DATETIME and isinstance(v, datetime) and v.tzinfo is None:
            problems.append(Problem(f.name, f"“{f.label}”缺少时区"))
        if f.choices is not None and v not in _choice_values(f.name, f.choices):
            allowed = "、".join(c.value for c in f.choices)
            problems.append(Problem(f.name, f"“{f.label}”不能是“{v}”,可选:{allowed}"))
        if f.max_length and isinstance(v, str) and len(v) > f.max_length:
            problems.append(Problem(f.name, f"“{f.label}”太长({len(v)} 字,最多 {f.max_length})"))
        if f.type is FieldType.INT and isinstance(v, int) and v < 0:
            problems.append(Problem(f.name, f"“{f.label}”不能为负数"))
    return problems


def _field_problems_source() -> str:
    """_field_problems written out as straight-line code, one block per field (no loop,
    no look-up of the field's settings): it runs for every case an import brings."""
    lines = ["def field_problems(values):", "    get = values.get", "    problems = []"]
    for n, f in enumerate(CASE_FIELDS):
        label = f"“{f.label}”"

        def add(message: str, name: str = f.name) -> str:
            return f"problems.append(Problem({name!r}, {message}))"

        lines += [
            f"    v = get({f.name!r})",
            "    if v is None or (isinstance(v, str) and not v.strip()):",
            f"        {add(repr(label + '必须填写')) if f.required else 'pass'}",
        ]
        bad_type = f"not isinstance(v, T{n})"
        if f.type is FieldType.INT:
            bad_type += " or isinstance(v, bool)"
        lines += [
            f"    elif {bad_type}:",
            f"        {add(repr(label + '的值类型不对:') + ' + repr(v)')}",
            "    else:",
            "        pass",
        ]
        if f.type is FieldType.DATETIME:
            lines += [
                "        if isinstance(v, datetime) and v.tzinfo is None:",
                f"            {add(repr(label + '缺少时区'))}",
            ]
        if f.choices is not None:
            allowed = "、".join(c.value for c in f.choices)
            message = f"{label + '不能是“'!r} + format(v, '') + {'”,可选:' + allowed!r}"
            lines += [f"        if v not in CH{n}:", f"            {add(message)}"]
        if f.max_length:
            message = f"{label + '太长('!r} + str(len(v)) + {f' 字,最多 {f.max_length})'!r}"
            lines += [
                f"        if isinstance(v, str) and len(v) > {int(f.max_length)}:",
                f"            {add(message)}",
            ]
        if f.type is FieldType.INT:
            lines += [
                "        if isinstance(v, int) and v < 0:",
                f"            {add(repr(label + '不能为负数'))}",
            ]
    lines.append("    return problems")
    return "\n".join(lines)


def _compile_field_problems() -> Callable[[Mapping[str, object]], list[Problem]]:
    ns: dict[str, object] = {"Problem": Problem, "datetime": datetime}
    for n, f in enumerate(CASE_FIELDS):
        ns[f"T{n}"] = _TYPE_CHECKS[f.type]
        if f.choices is not None:
            ns[f"CH{n}"] = _choice_values(f.name, f.choices)
    exec(compile(_field_problems_source(), "<case field problems>", "exec"), ns)
    made = ns["field_problems"]
    assert callable(made)
    return cast("Callable[[Mapping[str, object]], list[Problem]]", made)


_FIELD_PROBLEMS = _compile_field_problems()


def blocking(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.blocking]


def label_of(field: str) -> str:
    f = FIELDS_BY_NAME.get(field)
    return f.label if f else field

"""One ledger cell as a typed value, or the reason it cannot be one.

Accepted cell types (ledger.md): a date or time as a real Excel date or as text
2026-11-22, 2026/11/22, 2026-11-22 09:30, 2026-11-22T09:30:00+08:00; a number as a
number or as its text. Anything else in a typed column rejects the row.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Any

from ledger import columns as C
from ledger.columns import Column, Kind

_DT_RE = re.compile(
    r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
    r"(Z|[+-]\d{2}:?\d{2})?"
)
_INT_RE = re.compile(r"[+-]?\d+(\.0+)?")
_TZ_RE = re.compile(r"([+-])(\d{2}):?(\d{2})")


class CellError(ValueError):
    pass


class BadText:
    """A text cell holding a lone UTF-16 surrogate (Excel's _xD800_), which no text can
    store: ``text`` is the cell with the surrogate written as its escape. parse_cell
    rejects it, naming the cell; the rejects file shows ``text``."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"BadText({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BadText) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


# Sane bounds: a value outside them is a typing error or a hostile file, and
# beyond SQLite's 64-bit integers or datetime's range it could not even be stored.
MIN_YEAR, MAX_YEAR = 1900, 2100
INT_BOUNDS = {
    "revision": (1, C.REVISION_MAX),  # no record is saved a billion times
    "mileage": (0, 10_000_000),  # km
    "amount": (0, 10_000_000),  # yuan, a fine or a reward
}
INT_DEFAULT_BOUNDS = (-(2**53), 2**53)


def _text(raw: Any) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, bool):
        return "是" if raw else "否"
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, datetime):
        return raw.isoformat(sep=" ")
    s = str(raw)
    return s


def parse_datetime(raw: Any, tz: tzinfo) -> datetime | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, datetime):
        dt = raw
    elif isinstance(raw, date):
        dt = datetime.combine(raw, time())
    elif isinstance(raw, str):
        m = _DT_RE.fullmatch(raw.strip())
        if not m:
            raise CellError(f"不是日期时间:“{raw}”(应如 2026-11-22 09:30)")
        y, mo, d, h, mi, s, off = m.groups()
        try:
            dt = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
        except ValueError:
            raise CellError(f"日期不存在:“{raw}”") from None
        if off:
            try:
                dt = dt.replace(tzinfo=parse_offset("+00:00" if off == "Z" else off))
            except ValueError:
                raise CellError(f"时区偏移超出范围(应在 -23:59 到 +23:59 之间):“{raw}”") from None
    else:
        raise CellError(f"不是日期时间:{raw!r}")
    if not MIN_YEAR <= dt.year <= MAX_YEAR:
        raise CellError(f"年份超出范围({MIN_YEAR}–{MAX_YEAR}):“{raw}”")
    if dt.tzinfo is None:
        # Excel serials can carry float noise: round to the second.
        if dt.microsecond:
            dt = dt + timedelta(microseconds=500_000)
        dt = dt.replace(tzinfo=tz)
    return dt.replace(microsecond=0)


def parse_date(raw: Any) -> date | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, datetime):
        d = raw.date()
    elif isinstance(raw, date):
        d = raw
    elif isinstance(raw, str):
        m = _DT_RE.fullmatch(raw.strip())
        if not m:
            raise CellError(f"不是日期:“{raw}”(应如 2026-11-22)")
        try:
            d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            raise CellError(f"日期不存在:“{raw}”") from None
    else:
        raise CellError(f"不是日期:{raw!r}")
    if not MIN_YEAR <= d.year <= MAX_YEAR:
        raise CellError(f"年份超出范围({MIN_YEAR}–{MAX_YEAR}):“{raw}”")
    return d


def parse_int(raw: Any) -> int | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise CellError(f"不是整数:{raw!r}")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if raw.is_integer():
            return int(raw)
        raise CellError(f"应为整数,而不是 {raw:.6g}")
    if isinstance(raw, str):
        s = raw.strip().replace(",", "")
        if len(s) > 40:  # far beyond any bound; int() would refuse beyond 4,300 digits
            raise CellError(f"不是合理的整数(共 {len(s)} 位)")
        if _INT_RE.fullmatch(s):
            return int(float(s)) if "." in s else int(s)
        raise CellError(f"不是整数:“{raw}”")
    raise CellError(f"不是整数:{raw!r}")


def parse_bool(raw: Any) -> bool | None:
    if raw is None:
        return None
    if isinstance(raw, bool):
        return raw
    text = _text(raw)
    s = "" if text is None else text.strip()
    if s == "":
        return None
    if s in ("是", "Y", "y", "1", "TRUE", "True", "true"):
        return True
    if s in ("否", "N", "n", "0", "FALSE", "False", "false"):
        return False
    raise CellError(f"应为“是”或“否”,而不是“{s}”")


def parse_bounded_int(col: Column, raw: Any) -> int | None:
    v = parse_int(raw)
    if v is None:
        return None
    lo, hi = INT_BOUNDS.get(col.key, INT_DEFAULT_BOUNDS)
    if not lo <= v <= hi:
        shown = f"{v:.3g}" if abs(v) >= 10**12 else str(v)
        raise CellError(f"超出范围({lo} 到 {hi}{',超过上限' if v > hi else ''}):{shown}")
    return v


def parse_cell(col: Column, raw: Any, tz: tzinfo) -> Any:
    """One cell's typed value; raises CellError with the reason."""
    if raw.__class__ is BadText:
        raise CellError(f"含有无法保存的字符(孤立的 UTF-16 代理项):“{raw.text[:60]}”")
    k = col.kind
    if k is Kind.DATETIME:
        return parse_datetime(raw, tz)
    if k is Kind.STAMP:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        return parse_datetime(raw, tz)
    if k is Kind.DATE:
        return parse_date(raw)
    if k is Kind.INT:
        return parse_bounded_int(col, raw)
    if k is Kind.REVISION:
        v = parse_int(raw)
        if v is not None and v < 1:
            raise CellError(f"修订号应为正整数,而不是 {v}")
        return parse_bounded_int(col, v)
    if k in (Kind.BOOL, Kind.DELETED):
        return parse_bool(raw)
    if isinstance(raw, (datetime, date)) and k is not Kind.LONG:
        raise CellError(f"应为文字,而不是日期 {raw}")
    s = _text(raw)
    if s is None:
        return None
    s = s.strip() if k is not Kind.LONG else s.strip("\n ")
    if s == "":
        return None
    if k is Kind.ENUM and col.choices and s not in col.choices:
        if col.key == "action":  # e.g. written by a newer program: the row is refused
            raise CellError(
                f"本程序不认识动作“{s}”(可能由更新版本的程序写入),此行未导入;"
                f"本程序的动作:{'、'.join(col.choices)}"
            )
        raise CellError(f"不能是“{s}”,可选:{'、'.join(col.choices)}")
    if col.max_length and len(s) > col.max_length:
        raise CellError(f"太长({len(s)} 字,最多 {col.max_length})")
    return s


def parse_offset(text: str) -> tzinfo:
    """A UTC offset written +08:00 or +0800; raises ValueError."""
    m = _TZ_RE.fullmatch(text.strip())
    if not m:
        raise ValueError(text)
    sign = 1 if m.group(1) == "+" else -1
    return timezone(sign * timedelta(hours=int(m.group(2)), minutes=int(m.group(3))))

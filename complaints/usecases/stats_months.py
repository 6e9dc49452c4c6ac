"""统计's month partials kept in the database (table stats_months): a month that is over,
every case of which was closed, is judged once; after a restart a year reads its twelve kept
partials (figures.Partial) instead of its cases.

What a kept month depends on is in its row: the sites, the time zone, the judging (the
fingerprints of the policy versions in force in the month, with the calendar where a version
keeps office time) and the latest closing of its cases (a report as of an earlier moment
judges again). Writes to its cases or their entries delete it (triggers; db/stats_months.py).
Phones and VINs, which only the repeat complainants need, are kept as short hashes of the
normalised value, so the table holds nothing personal.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from array import array
from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from typing import Any

from complaints.rules import figures as fig
from complaints.rules.periods import Period
from complaints.usecases import policy as policy_uc
from db import stats_months
from db.data_stamp import write_stamp
from db.figures_queries import in_transaction
from db.timeutil import from_db, to_db

# A new value whenever the encoding below or what a partial holds changes: rows written by
# another encoding are then judged again, never read.
_FORMAT = "1"
# Computed months not yet kept: (write stamp when their computation began, the row).
_PENDING: list[tuple[tuple, tuple[str, str, str, str, str, str, int, str]]] = []
_PENDING_MAX = 400


def judging(
    month: Period, tz: tzinfo, book: policy_uc.PolicyBook, fp: Callable[[datetime], str]
) -> str:
    """The fingerprints of every policy version in force at some moment of the month."""
    start, end = month.bounds(tz)
    fps = {fp(start)}
    fps |= {fp(v.effective_from) for v in book.versions if start <= v.effective_from < end}
    return _FORMAT + ":" + ",".join(sorted(fps))


def judging_of(
    tz: tzinfo, book: policy_uc.PolicyBook, fp: Callable[[datetime], str]
) -> Callable[[Period], str]:
    """month → judging() of it, each month's computed once."""
    memo: dict[Period, str] = {}

    def judged(month: Period) -> str:
        j = memo.get(month)
        if j is None:
            j = memo[month] = judging(month, tz, book, fp)
        return j

    return judged


def _key_hash(value: str | None) -> str | None:
    v = (value or "").strip().upper()
    if not v:
        return None
    return hashlib.blake2b(v.encode(), digest_size=8).hexdigest()


def _pack(values: Sequence[float], code: str = "q") -> str:
    """A list of ids ("q") or hours ("d") as the base64 of its machine values, little-endian:
    a year's hundred thousand ids decode in milliseconds, not as JSON numbers."""
    a = array(code, values)
    if sys.byteorder == "big":
        a.byteswap()
    return base64.b64encode(a.tobytes()).decode("ascii")


def _unpack(text: str, code: str = "q") -> list[Any]:
    a = array(code, base64.b64decode(text))
    if sys.byteorder == "big":
        a.byteswap()
    return a.tolist()


def _pack_lists(lists: dict[str, list[int]]) -> dict[str, str]:
    return {k: _pack(v) for k, v in lists.items()}


def _unpack_lists(packed: dict[str, str]) -> dict[str, list[int]]:
    return {k: _unpack(v) for k, v in packed.items()}


def encode(part: fig.Partial) -> str:
    def t(x: fig.Timeliness) -> list[Any]:
        return [x.met, x.late, x.missed, _pack(x.late_ids)]

    return json.dumps(
        {
            "ids": _pack(part.ids),
            "by": {k: _pack_lists(v) for k, v in part.by.items()},
            "t": {r: t(x) for r, x in part.timeliness.items()},
            "o": t(part.overall),
            "contact": _pack(part.contact, "d"),
            "handling": _pack(part.handling, "d"),
            "sat": _pack_lists(part.satisfaction),
            "cb": _pack(part.called_back),
            "re": _pack(part.reopened),
            "closed": [to_db(c) for _i, c in part.closed],
            "phone": [_key_hash(p) for _i, p, _v in part.keys],
            "vin": [_key_hash(v) for _i, _p, v in part.keys],
            "sites": sorted(s for s in part.sites if s is not None),
            "no_site": None in part.sites,
            "unsettled": part.unsettled,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def decode(text: str) -> fig.Partial:
    d = json.loads(text)
    ids: list[int] = _unpack(d["ids"])

    def t(rule: str, x: list[Any]) -> fig.Timeliness:
        return fig.Timeliness(rule, x[0], x[1], x[2], _unpack(x[3]))

    sites: set[str | None] = set(d["sites"])
    if d["no_site"]:
        sites.add(None)
    return fig.Partial(
        ids,
        {k: _unpack_lists(v) for k, v in d["by"].items()},
        {r: t(r, x) for r, x in d["t"].items()},
        t("全部", d["o"]),
        _unpack(d["contact"], "d"),
        _unpack(d["handling"], "d"),
        _unpack_lists(d["sat"]),
        _unpack(d["cb"]),
        _unpack(d["re"]),
        list(zip(ids, map(from_db, d["closed"]), strict=True)),
        list(zip(ids, d["phone"], d["vin"], strict=True)),
        sites,
        d["unsettled"],
    )


def _settled_at(part: fig.Partial) -> str | None:
    """The latest closing of the part's cases (stored text), "" for no case, None when one
    is not closed."""
    latest = ""
    for _i, closed in part.closed:
        if closed is None:
            return None
        latest = max(latest, to_db(closed) or "")
    return latest


def load(
    months: Sequence[Period],
    sites: Sequence[str],
    tz: tzinfo,
    as_of: datetime,
    judged: Callable[[Period], str],
) -> dict[Period, fig.Partial]:
    """The kept partials of those ``months`` that are over by ``as_of``, judged as
    ``judged`` says and settled by then."""
    if not stats_months.kept_here():
        return {}
    bounds = {to_db(m.bounds(tz)[0]) or "": m for m in months if m.bounds(tz)[1] <= as_of}
    now = to_db(as_of) or ""
    out: dict[Period, fig.Partial] = {}
    for start, (end, judging_, settled, text) in stats_months.load(
        ",".join(sites), str(tz), list(bounds)
    ).items():
        m = bounds[start]
        if end == to_db(m.bounds(tz)[1]) and settled <= now and judging_ == judged(m):
            out[m] = decode(text)
    return out


def remember(
    month: Period, sites: Sequence[str], tz: tzinfo, judging_: str, part: fig.Partial, stamp: tuple
) -> None:
    """Note a month computed from the data as of ``stamp`` (write_stamp before its first
    read), to be kept by keep() if nothing is written meanwhile."""
    settled = _settled_at(part)
    if settled is None or part.unsettled or len(_PENDING) >= _PENDING_MAX:
        return
    if not stats_months.kept_here():
        return
    start, end = month.bounds(tz)
    _PENDING.append(
        (
            stamp,
            (
                to_db(start) or "",
                to_db(end) or "",
                ",".join(sites),
                str(tz),
                judging_,
                settled,
                len(part.ids),
                encode(part),
            ),
        )
    )


def pending() -> bool:
    """Whether months wait to be kept."""
    return bool(_PENDING)


def keep() -> int:
    """Keep the months noted since the last call whose data has not moved since (best effort,
    as the summaries: skipped when busy). Returns how many were kept."""
    pending = list(_PENDING)
    _PENDING.clear()
    if not pending or in_transaction():
        return 0
    now = write_stamp()
    rows = [row for stamp, row in pending if stamp == now]
    return len(rows) if stats_months.store(rows, now) else 0


def forget(*, stored: bool = False) -> None:
    """Forget the months noted (and with ``stored`` those kept in the database)."""
    _PENDING.clear()
    if stored and stats_months.kept_here():
        stats_months.forget()

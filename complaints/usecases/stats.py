"""统计: load a period's cases in a few queries and hand them to the pure figures.

Queries per period: the period's cases (with the kept summary of each closed one), the entries
of the cases that need judging, the earlier cases still open when the period began, the
approved sanctions dated in it, the business volumes of its months. The 12-month trend is one
grouped count.

Kept summaries: a closed case's summary (what the figures need from its entries) is final, so
it is kept in memory and in the table ``stats_summaries`` (schema 7), keyed by a fingerprint of
the case row, its entries (count, latest time) and the policy book. A month's figures then
judge only the open cases' entries, also after a restart (100k cases: see bench/README.md).
The figures are the same with or without them (tests/complaints/test_stats_speed.py).
"""

from __future__ import annotations

import gc
import hashlib
import json
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

import peewee as pw

from complaints.rules import case_summary, headline
from complaints.rules import figures as fig
from complaints.rules.deadlines import NOTE_ACTIONS, RULE_ACTIONS, DeadlineStatus
from complaints.rules.periods import (
    Period,
    PeriodKind,
    current,
    months_ending,
    months_touching,
    previous,
    same_last_year,
    whole_months,
)
from complaints.rules.volume import ComplaintRate, Volume
from complaints.types import ApprovalStatus, State
from complaints.usecases import auth
from complaints.usecases import policy as policy_uc
from complaints.usecases.context import Context
from complaints.usecases.errors import UseCaseError
from db.models import database
from db.timeutil import date_from_db, from_db, to_db

_CASE_COLUMNS = (
    "id",
    "site",
    "received_at",
    "channel",
    "kind",
    "severity",
    "business",
    "department",
    "liability",
    "state",
    "closed_at",
    "phone",
    "vin",
    "media",
    "needs_oem",
    "satisfaction",
    "satisfaction2",
    "revision",
    "modified_at",
)
_OPEN_STATES = tuple(s.value for s in State if s is not State.CLOSED)

# Summaries of closed cases (their entries read once per revision): a month's figures over
# 100k cases then read only the open cases' entries. Worker thread only; bounded.
_SUMMARIES: dict[tuple, case_summary.CaseSummary] = {}
_SUMMARIES_MAX = 400_000
_SUMMARIES_DB: str | None = None
# Closed cases whose new summaries are not yet kept in the database: written by
# keep_summaries() after the figures are on screen, so a first computation does not wait
# for the write (~50 ms for a month of 7,000 cases).
_PENDING: list[tuple[tuple, str]] = []  # (summary key, fingerprint to store)
_PENDING_MAX = 200_000


_CLOSED = State.CLOSED.value
_STATUS = {st.value: st for st in DeadlineStatus}
_OUTCOMES: dict[str, tuple[tuple[str, DeadlineStatus], ...]] = {"": ()}
_AT = itemgetter("at")


def clear_cache(*, stored: bool = False) -> None:
    """Forget the summaries kept in memory (and with ``stored`` those kept in the database:
    never needed for correctness, since a stale one is never used; the bench empties them)."""
    _SUMMARIES.clear()
    _PENDING.clear()
    _PARTS.clear()
    if stored:
        with database.atomic():
            database.execute_sql("DELETE FROM stats_summaries")


def policy_fingerprints(book: policy_uc.PolicyBook, tz) -> Callable[[datetime], str]:
    """received time → a short hash of the policy in force then (and the office's time zone):
    a case's summary depends on that version only, so saving a new policy (in force from now)
    leaves the kept summaries of earlier cases valid."""
    memo: dict[int, str] = {}

    def fp(received: datetime) -> str:
        policy = book.at(received)
        h = memo.get(id(policy))
        if h is None:
            text = json.dumps(policy.to_dict(), sort_keys=True, default=str) + str(tz)
            if policy.office_rules():  # office-time deadlines also depend on the calendar
                text += policy.calendar.fingerprint
            h = memo[id(policy)] = hashlib.sha1(text.encode()).hexdigest()[:12]
        return h

    return fp


def _encode_outcomes(outcomes: tuple[tuple[str, DeadlineStatus], ...]) -> str:
    return ",".join(f"{rule}:{st.value}" for rule, st in outcomes)


def _decode_outcomes(text: str) -> tuple[tuple[str, DeadlineStatus], ...]:
    out = _OUTCOMES.get(text)
    if out is None:  # few distinct texts: each is parsed once
        out = tuple(
            (rule, _STATUS[st]) for rule, st in (part.split(":", 1) for part in text.split(","))
        )
        _OUTCOMES[text] = out
    return out


@dataclass
class Review:
    """What the 统计 page and the reports show for one period."""

    figures: fig.Figures
    kpis: dict[str, Any]
    previous: dict[str, Any]  # the KPIs of the period before
    last_year: dict[str, Any]  # the KPIs of the same period last year
    previous_label: str
    last_year_label: str
    trend: list[tuple[str, int]]  # (month label "2026-10", cases received), 12 months
    as_of: datetime

    @property
    def vs_previous(self) -> dict[str, float | None]:
        return headline.change(self.kpis, self.previous)

    @property
    def vs_last_year(self) -> dict[str, float | None]:
        return headline.change(self.kpis, self.last_year)


def sites_present() -> list[str]:
    """The site codes that have cases (the HQ's site picker). Hops from one site to the next
    along the (site, received_at) index instead of reading every case (35 → 0.1 ms at 100k)."""
    return [
        r[0]
        for r in database.execute_sql(
            "WITH RECURSIVE s(site) AS (SELECT min(site) FROM cases UNION ALL "
            "SELECT (SELECT min(site) FROM cases WHERE site > s.site) FROM s "
            "WHERE s.site IS NOT NULL) "
            "SELECT site FROM s WHERE site IS NOT NULL AND EXISTS "
            "(SELECT 1 FROM cases c WHERE c.site = s.site AND c.deleted = 0) ORDER BY site"
        )
    ]


def _site_sql(sites: Sequence[str], alias: str = "") -> tuple[str, list[str]]:
    if not sites:
        return "", []
    a = f"{alias}." if alias else ""
    return f" AND {a}site IN ({', '.join('?' * len(sites))})", list(sites)


# The entries figures.summarise needs (see there), fixed in a stable order for SQL.
_SUMMARY_ACTIONS = tuple(sorted(RULE_ACTIONS))
_NOTE_ACTIONS = tuple(sorted(NOTE_ACTIONS))


def load_period(
    period: Period,
    sites: Sequence[str],
    tz,
    *,
    as_of: datetime | None = None,
    summaries: dict | None = None,
    policy_fp: Callable[[datetime], str] | None = None,
    stale: list | None = None,
    cases_only: bool = False,
) -> tuple[list, dict, list, list]:
    """(cases, entries by case id, earlier open cases, sanctions) of a period. With
    ``summaries``, the entries of closed cases already summarised there are not read; with
    ``policy_fp`` (received time → fingerprint of its policy) too, the summaries kept in the
    database are added to it, and the closed cases that have none (or an old one) are
    appended to ``stale`` to be stored after. ``cases_only``: without the earlier cases and
    the sanctions (empty lists)."""
    start, end = (to_db(t) for t in period.bounds(tz))
    site_sql, site_params = _site_sql(sites)
    site_c, _ = _site_sql(sites, "c")
    cases: list[dict[str, Any]] = []
    need: list[dict[str, Any]] = []  # the cases whose entries must be read
    stale = [] if stale is None else stale  # closed cases whose kept summary is missing or old
    keep = summaries is not None and as_of is not None
    store = keep and policy_fp is not None
    as_of_utc = as_of.astimezone(UTC) if as_of is not None else None
    cols = ", ".join(f"c.{k}" for k in _CASE_COLUMNS)
    acts = ", ".join("?" * len(_SUMMARY_ACTIONS))
    notes = ", ".join("?" * len(_NOTE_ACTIONS))
    # A closed case's summary depends on its case row, the policy in force when it was
    # received and its entries of the actions the figures look at: their count and latest
    # time are part of the fingerprint. For a case with a kept summary they are read here to
    # check it (covering entries index, primary key of stats_summaries: no table scan); for
    # one without, from the entries read below (the subquery is then not run at all).
    rows = database.execute_sql(
        f"SELECT {cols}, CASE WHEN c.state = ? AND s.case_id IS NOT NULL THEN (SELECT "
        "count(*) || '/' || ifnull(max(e.at), '') FROM entries e WHERE e.case_id = c.id "
        f"AND e.deleted = 0 AND e.action IN ({acts})) END, "
        "s.fingerprint, s.contact_hours, s.handling_hours, s.called_back, s.level, s.reopened, "
        "s.outcomes FROM cases c LEFT JOIN stats_summaries s ON s.case_id = c.id "
        f"WHERE c.received_at >= ? AND c.received_at < ? AND c.deleted = 0{site_c}",
        [_CLOSED if store else "", *_SUMMARY_ACTIONS, start, end, *site_params],
    )
    n = len(_CASE_COLUMNS)
    summary_key = case_summary.summary_key
    fresh: list[dict[str, Any]] = []  # closed cases with no kept summary: fingerprint below
    parse = datetime.fromisoformat  # stored times: never empty in these columns but closed_at
    for row in rows:
        c = dict(zip(_CASE_COLUMNS, row, strict=False))  # the first n values
        c["received_at"] = parse(c["received_at"])
        closed_at = c["closed_at"]
        c["closed_at"] = parse(closed_at) if closed_at else None
        c["media"] = bool(c["media"])
        c["needs_oem"] = bool(c["needs_oem"])
        cases.append(c)
        if not keep:
            need.append(c)
            continue
        entries_fp = row[n]
        if store and entries_fp is not None:
            c["summary_fp"] = f"{policy_fp(c['received_at'])}|{entries_fp}"
        key = summary_key(c, as_of_utc)
        if key is None:
            need.append(c)
            continue
        if store and entries_fp is None:  # closed, nothing kept: judged, then kept
            fresh.append(c)
            need.append(c)
            continue
        if key in summaries:
            continue
        if store:
            stored_fp = f"{c['revision']}|{c['modified_at']}|{c['summary_fp']}"
            if row[n + 1] == stored_fp:
                summaries[key] = case_summary.CaseSummary(
                    row[n + 2],
                    row[n + 3],
                    bool(row[n + 4]),
                    row[n + 5],
                    bool(row[n + 6]),
                    _decode_outcomes(row[n + 7]),
                )
                continue
            c["_stored_fp"] = stored_fp
            stale.append(c)
        need.append(c)
    entries: dict[int, list[dict[str, Any]]] = defaultdict(list)
    # Only what the figures look at (figures.summarise: the deadline rules' actions, which
    # include contact, handling, callbacks and reopen; a satisfaction only for a callback):
    # the same figures from about a fifth fewer rows.
    if len(need) * 2 > len(cases):  # most of them: one join is quickest
        rows = database.execute_sql(
            "SELECT e.case_id, e.at, e.action, "
            f"CASE WHEN e.action IN ({notes}) THEN e.satisfaction END FROM cases c CROSS JOIN "
            "entries e ON e.case_id = c.id WHERE c.received_at >= ? AND c.received_at < ? "
            f"AND c.deleted = 0 AND e.deleted = 0 AND e.action IN ({acts}){site_c}",
            [*_NOTE_ACTIONS, start, end, *_SUMMARY_ACTIONS, *site_params],
        )
        prev = add = None
        for case_id, at, action, sat in rows:  # a case's entries come together
            if case_id != prev:
                prev, add = case_id, entries[case_id].append
            add({"at": parse(at), "action": action, "note": None, "satisfaction": sat})
    else:
        ids = [c["id"] for c in need]
        for i in range(0, len(ids), 900):
            chunk = ids[i : i + 900]
            for case_id, at, action, sat in database.execute_sql(
                f"SELECT case_id, at, action, CASE WHEN action IN ({notes}) "
                "THEN satisfaction END "
                f"FROM entries WHERE deleted = 0 AND action IN ({acts}) AND "
                f"case_id IN ({', '.join('?' * len(chunk))})",
                [*_NOTE_ACTIONS, *_SUMMARY_ACTIONS, *chunk],
            ):
                entries[case_id].append(
                    {"at": parse(at), "action": action, "note": None, "satisfaction": sat}
                )
    # The fingerprint of the closed cases with nothing kept, as the subquery above gives it
    # (a stored time's text is its isoformat: UTC, whole seconds).
    for c in fresh:
        es = entries.get(c["id"])
        entries_fp = f"{len(es)}/{max(map(_AT, es)).isoformat()}" if es else "0/"
        c["summary_fp"] = fp = f"{policy_fp(c['received_at'])}|{entries_fp}"
        c["_stored_fp"] = f"{c['revision']}|{c['modified_at']}|{fp}"
        stale.append(c)
    if cases_only:
        return cases, entries, [], []
    return cases, entries, _earlier_open(period, sites, tz), _sanctions(period, sites)


def _earlier_open(period: Period, sites: Sequence[str], tz) -> list[dict[str, Any]]:
    start = to_db(period.bounds(tz)[0])
    site_sql, site_params = _site_sql(sites)
    # Open when the period began: still open now (state index), or closed since it began
    # (index of closed_at, received_at from schema 7): no full scan.
    states = ", ".join("?" * len(_OPEN_STATES))
    earlier = [
        {"id": i, "received_at": from_db(r), "closed_at": from_db(c)}
        for i, r, c in database.execute_sql(
            "SELECT id, received_at, closed_at FROM cases WHERE state IN "
            f"({states}) AND received_at < ? AND deleted = 0{site_sql} UNION "
            "SELECT id, received_at, closed_at FROM cases WHERE closed_at >= ? AND "
            f"received_at < ? AND deleted = 0{site_sql}",
            [*_OPEN_STATES, start, *site_params, start, start, *site_params],
        )
    ]
    return earlier


def _sanctions(period: Period, sites: Sequence[str]) -> list[dict[str, Any]]:
    site_s, site_params = _site_sql(sites, "s")
    sanctions = [
        {
            "type": t,
            "department": d,
            "person": p,
            "amount": a,
            "date": date_from_db(day),
            "status": st,
            "case_id": cid,
        }
        for t, d, p, a, day, st, cid in database.execute_sql(
            "SELECT s.type, s.department, s.person, s.amount, s.date, s.status, "
            "s.case_id FROM sanctions s WHERE s.date >= ? AND s.date < ? "
            f"AND s.status = ? AND s.deleted = 0{site_s}",
            [
                period.start.isoformat(),
                period.end.isoformat(),
                ApprovalStatus.APPROVED.value,
                *site_params,
            ],
        )
    ]
    return sanctions


def figures_for(period: Period, sites: Sequence[str], *, as_of: datetime, tz) -> fig.Figures:
    """The figures of one period (no permission check: callers check stats.view). The new
    summaries of closed cases are kept in the database by the next keep_summaries()."""
    # Tens of thousands of small dicts that all live until the end: the cyclic collector
    # would walk them again and again for nothing (it doubled the time on 100k cases).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        global _SUMMARIES_DB
        if len(_SUMMARIES) > _SUMMARIES_MAX or database.database != _SUMMARIES_DB:
            _SUMMARIES.clear()  # another data folder (or a test's fresh one): start afresh
            _SUMMARIES_DB = database.database
            _PENDING.clear()
        book = policy_uc.book()
        stale: list[dict[str, Any]] = []
        fp = policy_fingerprints(book, tz)
        vols = volumes(sites, volume_months(period))
        months = whole_months(period) if len(sites) <= 1 else None
        if months is None:
            cases, entries, earlier, sanctions = load_period(
                period, sites, tz, as_of=as_of, summaries=_SUMMARIES, policy_fp=fp, stale=stale
            )
            # All sites: those with cases in the period or a volume entered for its months.
            vsites = tuple(sites) or tuple(
                sorted({c["site"] for c in cases} | {k[0] for k in vols})
            )
            f = fig.compute(
                period,
                sites,
                cases,
                entries,
                earlier,
                sanctions,
                book.at,
                as_of,
                tz,
                summaries=_SUMMARIES,
                volumes=vols,
                volume_sites=vsites,
            )
        else:
            # Month by month (the same cases in the same order: the received-time index), a
            # month that is over with every case closed taken from _PARTS (issue 23 §4).
            parts = [_month_part(m, sites, tz, as_of, book, fp, stale) for m in months]
            part = fig.join(parts)
            vsites = tuple(sites) or tuple(
                sorted(set().union(*(p.sites for p in parts)) | {k[0] for k in vols})
            )
            f = fig.finish(
                period,
                sites,
                part,
                _earlier_open(period, sites, tz),
                _sanctions(period, sites),
                tz,
                volumes=vols,
                volume_sites=vsites,
            )
        if len(_PENDING) + len(stale) <= _PENDING_MAX:
            # Only the keys (figures.summary_key of these closed cases), not the case dicts:
            # a year's figures would otherwise hold ~90k of them until the write.
            _PENDING.extend(
                ((c["id"], c["revision"], c["modified_at"], c["summary_fp"]), c["_stored_fp"])
                for c in stale
            )
        return f
    finally:
        if was_enabled:
            gc.enable()


# The partial figures (figures.Partial) of months that are over and whose every case was
# closed by then: they no longer depend on the clock, only on the data, so a year or a
# quarter joins them instead of reading and judging those cases again, and a month opened
# again costs nothing (issue 23 §4). Emptied whenever anything is written to the database
# (_stamp), except the summaries this module keeps (derived data). Worker thread only.
_PARTS: dict[tuple, fig.Partial] = {}
_PARTS_MAX_CASES = 250_000  # ~200 bytes a case: at most ~50 MB (a year at 100k cases)
_PARTS_STAMP: list[tuple | None] = [None]


def _stamp() -> tuple:
    """Moves whenever a row is written on this connection or another one commits."""
    conn = database.connection()
    return (
        database.database,
        conn.total_changes,
        conn.execute("PRAGMA data_version").fetchone()[0],
    )


def _month_part(
    month: Period,
    sites: Sequence[str],
    tz,
    as_of: datetime,
    book: policy_uc.PolicyBook,
    fp: Callable[[datetime], str],
    stale: list,
) -> fig.Partial:
    stamp = _stamp()
    if _PARTS_STAMP[0] != stamp:
        _PARTS.clear()
        _PARTS_STAMP[0] = stamp
    key = (month, tuple(sites), str(tz))
    part = _PARTS.get(key)
    if part is not None:
        return part
    cases, entries, _, _ = load_period(
        month,
        sites,
        tz,
        as_of=as_of,
        summaries=_SUMMARIES,
        policy_fp=fp,
        stale=stale,
        cases_only=True,
    )
    part = fig.accumulate(month, cases, entries, book.at, as_of, tz, summaries=_SUMMARIES)
    held = sum(len(p.ids) for p in _PARTS.values())
    if (
        month.bounds(tz)[1] <= as_of
        and held + len(part.ids) <= _PARTS_MAX_CASES
        and not part.unsettled
        and len(part.ids) == len(cases)
    ):
        _PARTS[key] = part
    return part


def keep_summaries() -> int:
    """Keep in the database the summaries of closed cases computed since the last call (best
    effort: a read-only or busy database, or a write transaction in progress, only means they
    are computed again after a restart). Worker thread; returns how many were written."""
    pending = list(_PENDING)
    _PENDING.clear()
    if database.database != _SUMMARIES_DB:  # computed in another data folder
        return 0
    return _store_summaries(pending)


def _store_summaries(pending: Sequence[tuple[tuple, str]]) -> int:
    rows = []
    for key, stored_fp in pending:
        sm = _SUMMARIES.get(key)
        if sm is not None:
            rows.append(
                (
                    key[0],
                    stored_fp,
                    sm.contact_hours,
                    sm.handling_hours,
                    int(sm.called_back),
                    sm.level,
                    int(sm.reopened),
                    _encode_outcomes(sm.outcomes),
                )
            )
    if not rows or database.in_transaction():
        return 0
    # Never wait for another writer (a ledger import in another process): the figures are
    # already computed, only keeping them is skipped.
    busy = database.execute_sql("PRAGMA busy_timeout").fetchone()[0]
    database.execute_sql("PRAGMA busy_timeout = 50")
    before = _stamp()
    try:
        with database.atomic():
            database.cursor().executemany(
                "INSERT OR REPLACE INTO stats_summaries (case_id, fingerprint, contact_hours, "
                "handling_hours, called_back, level, reopened, outcomes) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        if _PARTS_STAMP[0] == before:  # only derived rows written: the months still hold
            _PARTS_STAMP[0] = _stamp()
    except (sqlite3.Error, pw.DatabaseError):
        return 0
    finally:
        database.execute_sql(f"PRAGMA busy_timeout = {int(busy)}")
    return len(rows)


def months_to_fill(as_of: datetime, tz) -> list[Period]:
    """The months, newest first, that hold a case closed by ``as_of`` with no kept summary:
    after an upgrade, a demo load or a ledger import, what the background fill computes so
    that opening any month costs the "kept" time (bench/README.md). One short query a month
    (it stops at the first such case)."""
    first = database.execute_sql("SELECT min(received_at) FROM cases WHERE deleted = 0").fetchone()[
        0
    ]
    if first is None:
        return []
    this = current(PeriodKind.MONTH, as_of.astimezone(tz).date())
    oldest = from_db(first).astimezone(tz).date()
    n = (this.start.year - oldest.year) * 12 + this.start.month - oldest.month + 1
    out = []
    for m in reversed(months_ending(this, max(n, 1))):
        start, end = (to_db(t) for t in m.bounds(tz))
        if database.execute_sql(
            "SELECT EXISTS (SELECT 1 FROM cases c WHERE c.received_at >= ? AND "
            "c.received_at < ? AND c.deleted = 0 AND c.state = ? AND c.closed_at <= ? "
            "AND NOT EXISTS (SELECT 1 FROM stats_summaries s WHERE s.case_id = c.id))",
            [start, end, _CLOSED, to_db(as_of)],
        ).fetchone()[0]:
            out.append(m)
    return out


def fill_summaries(
    as_of: datetime, tz, *, progress: Callable[[int, int], None] | None = None
) -> int:
    """Compute and keep the summaries of every month ``months_to_fill`` names (the demo
    command does it after loading; the app does it month by month in the background).
    Returns how many summaries were kept."""
    months = months_to_fill(as_of, tz)
    kept = 0
    for i, m in enumerate(months):
        figures_for(m, (), as_of=as_of, tz=tz)
        kept += keep_summaries()
        if progress is not None:
            progress(i + 1, len(months))
    return kept


# --- business volume: the complaint rate's denominator --------------------------------------


def volumes(sites: Sequence[str], months: Sequence[str]) -> dict[tuple[str, str], Volume]:
    """(site, "2026-10") → the volume entered for it (``sites`` empty: every site); months
    with none are absent."""
    if not months:
        return {}
    site_sql, site_params = _site_sql(sites)
    return {
        (site, m): Volume(v, n)
        for site, m, v, n in database.execute_sql(
            "SELECT site, month, service_visits, new_car_sales FROM volumes WHERE month IN "
            f"({', '.join('?' * len(months))}){site_sql}",
            [*months, *site_params],
        )
    }


def volume_months(period: Period) -> list[str]:
    """The months whose volume the period's complaint rate needs ("2026-10", …)."""
    return [m.code for m in months_touching(period)]


def set_volumes(ctx: Context, site: str, months: dict[str, tuple[int, int] | None]) -> None:
    """Enter the business volume of ``site``: month "2026-10" → (进厂台次, 新车销售台数), or
    None to remove the month's figures. Needs stats.report (客服经理, 总经理); audited."""
    from complaints.usecases import audit

    auth.require(ctx, "stats.report")
    site = (site or "").strip().upper()
    if not site:
        raise UseCaseError("请选择站点")
    clean: dict[str, tuple[int, int] | None] = {}
    for m, v in months.items():
        try:
            y, mo = (int(x) for x in m.split("-"))
            if len(m) != 7 or not 1 <= mo <= 12 or y < 2000:
                raise ValueError
        except ValueError:
            raise UseCaseError(f"月份“{m}”无效,应如 2026-10") from None
        if v is not None:
            visits, sold = v
            if not all(isinstance(x, int) and x >= 0 for x in (visits, sold)):
                raise UseCaseError(f"{m} 的业务量应为不小于 0 的整数")
            v = (visits, sold)
        clean[m] = v
    now = to_db(ctx.now())
    with database.atomic():
        old = volumes([site], list(clean))
        for m, v in clean.items():
            before = old.get((site, m))
            before_t = None if before is None else (before.service_visits, before.new_car_sales)
            if before_t == v:
                continue
            if v is None:
                database.execute_sql("DELETE FROM volumes WHERE site = ? AND month = ?", [site, m])
            else:
                database.execute_sql(
                    "INSERT OR REPLACE INTO volumes (site, month, service_visits, new_car_sales, "
                    "modified_at, modified_by) VALUES (?, ?, ?, ?, ?, ?)",
                    [site, m, v[0], v[1], now, ctx.actor],
                )
            audit.record(
                ctx,
                "stats.volume",
                table="volumes",
                uid=f"{site}/{m}",
                changes={
                    "进厂台次/新车销售台数": (
                        None if before_t is None else "/".join(map(str, before_t)),
                        None if v is None else "/".join(map(str, v)),
                    )
                },
                note=f"{site} {m} 业务量",
            )


def monthly_counts(period: Period, sites: Sequence[str], tz, n: int = 12) -> list[tuple[str, int]]:
    """Cases received per month over the ``n`` months ending with the period: one statement
    of ``n`` range counts, each answered from the (received_at, deleted, site) index alone."""
    months = months_ending(period, n)
    site_sql, site_params = _site_sql(sites)
    one = (
        f"(SELECT count(*) FROM cases WHERE received_at >= ? AND received_at < ? "
        f"AND deleted = 0{site_sql})"
    )
    params: list[Any] = []
    for m in months:
        params += [*(to_db(t) for t in m.bounds(tz)), *site_params]
    counts = database.execute_sql(f"SELECT {', '.join([one] * len(months))}", params).fetchone()
    return [(m.code, c) for m, c in zip(months, counts, strict=True)]


def review(
    ctx: Context,
    period: Period,
    sites: Sequence[str] = (),
    *,
    as_of: datetime | None = None,
    compare: bool = True,
) -> Review:
    """The period's figures with the previous period, the same period last year and the
    12-month trend; ``sites`` empty = every site in the database."""
    auth.require(ctx, "stats.view")
    as_of = as_of or ctx.now()
    sites = tuple(sites)
    f = figures_for(period, sites, as_of=as_of, tz=ctx.tz)
    prev_p, ly_p = previous(period), same_last_year(period)
    prev, ly = comparisons(ctx, period, sites, as_of=as_of) if compare else ({}, {})
    # (With compare, comparisons() has kept the new summaries; without, the page asks for
    # them next and they are kept then: the figures are not held up by the write.)
    return Review(
        f,
        headline.kpis(f),
        prev,
        ly,
        prev_p.label,
        ly_p.label,
        monthly_counts(period, sites, ctx.tz),
        as_of,
    )


def comparisons(
    ctx: Context, period: Period, sites: Sequence[str] = (), *, as_of: datetime | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(KPIs of the previous period, KPIs of the same period last year): the GUI asks for
    them after showing the period itself."""
    auth.require(ctx, "stats.view")
    as_of = as_of or ctx.now()
    prev_p, ly_p = previous(period), same_last_year(period)
    prev = headline.kpis(figures_for(prev_p, sites, as_of=as_of, tz=ctx.tz))
    # For a year both are the year before: computed once.
    ly = (
        dict(prev)
        if ly_p == prev_p
        else headline.kpis(figures_for(ly_p, sites, as_of=as_of, tz=ctx.tz))
    )
    result = (prev, ly)
    keep_summaries()  # of the three periods, now that the page shows the first
    return result


def case_list(ids: Sequence[int]) -> list[tuple]:
    """(id, number, received_at local text, state, channel, severity, customer, department,
    responsible, content) of the cases behind a figure, in the order given."""
    from complaints.usecases.cases import case_rows

    cols = (
        "number",
        "received_at",
        "state",
        "channel",
        "severity",
        "customer_name",
        "department",
        "responsible",
        "content",
    )
    rows = case_rows(list(ids), cols)
    return [(i, *rows[i]) for i in ids if i in rows]


# --- what the reports print ----------------------------------------------------------------

BAR = "█"


def _bar(n: int, top: int, width: int = 20) -> str:
    """A bar of block characters: prints in Word/WPS and on paper without any picture."""
    if top <= 0 or n <= 0:
        return ""
    return BAR * max(1, round(n / top * width))


def _has_data(k: Mapping[str, Any] | None) -> bool:
    """Whether a comparison period had any case (received, carried over or still open)."""
    return bool(k) and any(k.get(n) for n in ("total", "carried_over", "open_at_end"))


def _pct(r: fig.Rate) -> str:
    return "—" if r.value is None else f"{r.value * 100:.1f}%"


def _hours_text(h: float | None) -> str:
    return "—" if h is None else f"{h:.1f}"


def _numbers(ids: Sequence[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    ids = list(ids)
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        out.update(
            database.execute_sql(
                f"SELECT id, number FROM cases WHERE id IN ({', '.join('?' * len(chunk))})", chunk
            ).fetchall()
        )
    return out


def report_data(r: Review, *, title_site: str, generated: datetime, tz) -> dict[str, Any]:
    """Plain rows (text and numbers) for the Word and the Excel report: one place decides
    what the meeting's paper says."""
    from complaints.rules.deadlines import WHAT

    f = r.figures
    # A comparison period with no data at all (before the first case) is "—", not "0 件"
    # with the whole period as its change (issue 16 §8).
    previous = r.previous if _has_data(r.previous) else {}
    last_year = r.last_year if _has_data(r.last_year) else {}
    prev_d, ly_d = (
        headline.change(r.kpis, previous or None),
        headline.change(r.kpis, last_year or None),
    )
    rate = f.complaint_rate
    why = rate.why_none if rate is not None else None
    kpis = [
        {
            "key": k,
            "label": label,
            "unit": unit,
            "value": headline.format_kpi(k, r.kpis.get(k), why),
            "raw": r.kpis.get(k),
            "prev": headline.format_kpi(k, previous.get(k), why) if previous else "—",
            "raw_prev": previous.get(k) if previous else None,
            "vs_prev": headline.format_change(k, prev_d.get(k)),
            "raw_vs_prev": prev_d.get(k),
            "ly": headline.format_kpi(k, last_year.get(k), why) if last_year else "—",
            "raw_ly": last_year.get(k) if last_year else None,
            "vs_ly": headline.format_change(k, ly_d.get(k)),
            "raw_vs_ly": ly_d.get(k),
        }
        for k, (label, unit, _b) in headline.KPIS.items()
    ]
    dims = []
    for key, (title, _values) in fig.DIMENSIONS.items():
        buckets = f.by[key]
        top = max((len(v) for v in buckets.values()), default=0)
        rows = [
            {
                "name": name,
                "count": len(ids),
                "share": "—" if not f.total else f"{len(ids) / f.total * 100:.1f}%",
                "bar": _bar(len(ids), top),
            }
            for name, ids in buckets.items()
            if ids or key in ("channel", "kind", "severity")
        ]
        dims.append({"key": key, "title": title, "rows": rows, "total": f.total})
    timeliness = [
        {
            "rule": t.rule,
            "what": WHAT.get(t.rule, ""),
            "due": t.due,
            "met": t.met,
            "late": t.late,
            "missed": t.missed,
            "rate": _pct(t.rate),
        }
        for t in f.timeliness.values()
    ]
    o = f.overall
    timeliness_total = {
        "due": o.due,
        "met": o.met,
        "late": o.late,
        "missed": o.missed,
        "rate": _pct(o.rate),
    }
    rated = sum(len(v) for v in f.satisfaction.values())
    top = max((len(v) for v in f.satisfaction.values()), default=0)
    satisfaction = [
        {
            "level": k,
            "count": len(v),
            "share": "—" if not rated else f"{len(v) / rated * 100:.1f}%",
            "bar": _bar(len(v), top),
        }
        for k, v in f.satisfaction.items()
    ]
    durations = [
        {
            "name": name,
            "n": d.n,
            "mean": _hours_text(d.mean),
            "median": _hours_text(d.median),
            "mean_hours": d.mean,
            "median_hours": d.median,
        }
        for name, d in (("首次联系客户", f.contact), ("处理完毕(处理单回传)", f.handling))
    ]
    numbers = _numbers([i for g in f.repeat_groups for i in g])
    repeats = [
        {"count": len(g), "numbers": "、".join(numbers.get(i, str(i)) for i in g)}
        for g in f.repeat_groups
    ]

    def money_rows(rows: list[fig.MoneyRow]) -> list[dict[str, Any]]:
        return [
            {
                "department": m.department,
                "person": m.person,
                "fines": m.fines,
                "fine_count": m.fine_count,
                "rewards": m.rewards,
                "reward_count": m.reward_count,
            }
            for m in rows
        ]

    sites = "、".join(f.sites) if f.sites else "全部站点"
    volume_rows, volume_note = _volume_rows(rate)
    return {
        "title": f"{title_site}客户抱怨投诉分析报告",
        "period": f.period.label,
        "period_code": f.period.code,
        "sites": sites,
        "generated": generated.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        "as_of": r.as_of.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        "prev_label": r.previous_label,
        "ly_label": r.last_year_label,
        "kpis": kpis,
        "dimensions": dims,
        "timeliness": timeliness,
        "timeliness_total": timeliness_total,
        "durations": durations,
        "satisfaction": satisfaction,
        "satisfied_share": _pct(f.satisfied_share),
        "rated": rated,
        "called_back": len(f.called_back),
        "reopened": len(f.reopened),
        "reopen_rate": _pct(f.reopen_rate),
        "repeats": repeats,
        "repeat_count": len(repeats),
        "carried_over": len(f.carried_over),
        "open_at_end": len(f.open_at_end),
        "total": f.total,
        "money_by_department": money_rows(f.money_by_department),
        "money_by_person": money_rows(f.money_by_person),
        "fines_total": f.fines_total,
        "not_liable": len(f.by["liability"].get("无责", [])),
        "rewards_total": f.rewards_total,
        "trend": [
            {"month": m, "count": n, "bar": _bar(n, max(c for _m, c in r.trend))}
            for m, n in r.trend
        ],
        "complaint_rate": headline.format_kpi("complaint_rate", r.kpis.get("complaint_rate"), why),
        "volume": volume_rows,
        "volume_note": volume_note,
    }


def _volume_rows(rate: ComplaintRate | None) -> tuple[list[dict[str, Any]], str]:
    """The complaint rate's table (合计, 售后 ÷ 进厂台次, 销售 ÷ 新车销售台数) and a line that
    says where the base came from or what is missing."""
    if rate is None:
        return [], ""
    v = rate.volume
    why = rate.why_none

    def row(name: str, cases: int, base_label: str, base: int | None, value) -> dict[str, Any]:
        return {
            "name": name,
            "cases": cases,
            "base_label": base_label,
            "base": "—" if base is None else base,
            "rate": headline.format_kpi("complaint_rate", value, why if v is None else "—"),
        }

    rows = [
        row("合计", rate.cases, "进厂台次 + 新车销售台数", v and v.total, rate.value),
        row("售后", rate.service_cases, "进厂台次", v and v.service_visits, rate.service_value),
        row("销售", rate.sales_cases, "新车销售台数", v and v.new_car_sales, rate.sales_value),
    ]
    if v is not None:
        note = "投诉率 = 投诉件数 ÷ 业务量 × 1000(每千台次);业务量为各站点各月填报数之和。"
    elif not rate.whole_months:
        note = "业务量按月填报,投诉率只对整月、季度、年计算。"
    else:
        missing = "、".join(f"{s} {m}" for s, m in rate.missing)
        note = f"未填业务量:{missing}(在“统计”页点“业务量…”填写)。"
    return rows, note


def can_report(ctx: Context) -> bool:
    return auth.allowed(ctx, "stats.report")


def record_report(ctx: Context, period: Period, sites: Sequence[str], out_name: str) -> None:
    """A report leaves the building: permission and audit trail (called by the writers' callers)."""
    from complaints.usecases import audit

    auth.require(ctx, "stats.report")
    with database.atomic():
        audit.record(
            ctx,
            "stats.report",
            note=f"{period.label} {'、'.join(sites) or '全部站点'} → {out_name}",
        )

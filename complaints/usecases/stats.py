"""统计: a period's figures — its cases loaded in a few queries and handed to the pure figures.

Queries per period (db.case_loads, db.figures_queries): the period's cases (with the kept
summary of each closed one), the entries of the cases that need judging, the earlier cases
still open when the period began, the approved sanctions dated in it, the business volumes of
its months.

Kept summaries: a closed case's summary (what the figures need from its entries) is final, so
it is kept in memory and in the table ``stats_summaries``, keyed by a fingerprint of the case
row, its entries (count, latest time) and the policy book. A month's figures then judge only
the open cases' entries, also after a restart (100k cases: see bench/README.md). The figures
are the same with or without them (tests/complaints/test_stats_speed.py). Above them, a
month over and settled keeps its whole partial (stats_months, test_stats_months.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, tzinfo
from operator import itemgetter
from typing import Any

from complaints.rules import case_summary, volume
from complaints.rules import figures as fig
from complaints.rules.deadlines import NOTE_ACTIONS, RULE_ACTIONS, DeadlineStatus
from complaints.rules.periods import (
    Period,
    PeriodKind,
    current,
    months_ending,
    months_touching,
    whole_months,
)
from complaints.usecases import audit, auth, stats_months
from complaints.usecases import policy as policy_uc
from complaints.usecases.context import Context
from complaints.usecases.errors import UseCaseError
from complaints.usecases.gc_pause import cyclic_gc_paused
from db import case_loads, data_stamp, figures_queries
from db.models import database
from db.retry import retried

# Summaries of closed cases (their entries read once per revision): a month's figures over
# 100k cases then read only the open cases' entries. Worker thread only; bounded.
_SUMMARIES: dict[tuple, case_summary.CaseSummary] = {}
_SUMMARIES_MAX = 400_000
_SUMMARIES_DB: list[str | None] = [None]  # the database file they were computed from
# Closed cases whose new summaries are not yet kept in the database: written by
# keep_summaries() after the figures are on screen, so that a first computation does not
# wait for the write.
_PENDING: list[tuple[tuple, str]] = []  # (summary key, fingerprint to store)
_PENDING_MAX = 200_000

_STATUS = {st.value: st for st in DeadlineStatus}
_OUTCOMES: dict[str, tuple[tuple[str, DeadlineStatus], ...]] = {"": ()}
_AT = itemgetter("at")
# Which judging of a closed case a kept summary holds, part of its fingerprint: a new value
# whenever what the figures read of a case, or how they judge it, changes, so that a summary
# kept by another judging is computed again, never taken.
_JUDGING = "2"
# The entries figures.summarise needs (see there), fixed in a stable order for SQL.
_SUMMARY_ACTIONS = tuple(sorted(RULE_ACTIONS))
_NOTE_ACTIONS = tuple(sorted(NOTE_ACTIONS))


def clear_cache(*, stored: bool = False) -> None:
    """Forget the summaries kept in memory (and with ``stored`` those kept in the database:
    never needed for correctness, since a stale one is never used; the bench empties them)."""
    _SUMMARIES.clear()
    _PENDING.clear()
    _PARTS.clear()
    stats_months.forget(stored=stored)
    if stored:
        figures_queries.forget_summaries()


def policy_fingerprints(book: policy_uc.PolicyBook, tz) -> Callable[[datetime], str]:
    """received time → a short hash of the policy in force then (and the office's time zone):
    a case's summary depends on that version only, so saving a new policy (in force from now)
    leaves the kept summaries of earlier cases valid."""
    memo: dict[int, str] = {}

    def fp(received: datetime) -> str:
        policy = book.at(received)
        h = memo.get(id(policy))
        if h is None:
            text = json.dumps(policy.to_dict(), sort_keys=True, default=str) + str(tz) + _JUDGING
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


def _no_policy(_received: datetime) -> str:
    return ""


def load_period(
    period: Period,
    sites: Sequence[str],
    tz: tzinfo,
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
    start, end = period.bounds(tz)
    cases: list[dict[str, Any]] = []
    need: list[dict[str, Any]] = []  # the cases whose entries must be read
    stale = [] if stale is None else stale  # closed cases whose kept summary is missing or old
    when = as_of.astimezone(UTC) if as_of is not None else None
    known = summaries if summaries is not None else {}
    store = summaries is not None and when is not None and policy_fp is not None
    fp_of = policy_fp or _no_policy
    # A closed case's summary depends on its case row, the policy in force when it was
    # received and its entries of the actions the figures look at: their count and latest
    # time are part of the fingerprint. For a case with a kept summary they are read with the
    # case to check it; for one without, from the entries read below.
    rows = case_loads.period_cases(start, end, sites, actions=_SUMMARY_ACTIONS, check_kept=store)
    summary_key = case_summary.summary_key
    fresh: list[dict[str, Any]] = []  # closed cases with no kept summary: fingerprint below
    for c, entries_fp, kept in rows:
        cases.append(c)
        if summaries is None or when is None:
            need.append(c)
            continue
        if store and entries_fp is not None:
            c["summary_fp"] = f"{fp_of(c['received_at'])}|{entries_fp}"
        key = summary_key(c, when)
        if key is None:
            need.append(c)
            continue
        if store and entries_fp is None:  # closed, nothing kept: judged, then kept
            fresh.append(c)
            need.append(c)
            continue
        if key in known:
            continue
        if store:
            stored_fp = f"{c['revision']}|{c['modified_at']}|{c['summary_fp']}"
            fingerprint, contact, handling, called_back, level, reopened, outcomes = kept
            if fingerprint == stored_fp:
                known[key] = case_summary.CaseSummary(
                    contact, handling, called_back, level, reopened, _decode_outcomes(outcomes)
                )
                continue
            c["_stored_fp"] = stored_fp
            stale.append(c)
        need.append(c)
    # Only what the figures look at (figures.summarise: the deadline rules' actions, which
    # include contact, handling, callbacks and reopen; a satisfaction only for a callback):
    # the same figures from about a fifth fewer rows.
    if len(need) * 2 > len(cases):  # most of them: one join is quickest
        entries = case_loads.period_entries(
            start, end, sites, actions=_SUMMARY_ACTIONS, note_actions=_NOTE_ACTIONS
        )
    else:
        entries = case_loads.rule_entries_of(
            (c["id"] for c in need), actions=_SUMMARY_ACTIONS, note_actions=_NOTE_ACTIONS
        )
    # The fingerprint of the closed cases with nothing kept, as period_cases gives it (a
    # stored time's text is its isoformat: UTC, whole seconds).
    for c in fresh:
        es = entries.get(c["id"])
        entries_fp = f"{len(es)}/{max(map(_AT, es)).isoformat()}" if es else "0/"
        c["summary_fp"] = fp = f"{fp_of(c['received_at'])}|{entries_fp}"
        c["_stored_fp"] = f"{c['revision']}|{c['modified_at']}|{fp}"
        stale.append(c)
    if cases_only:
        return cases, entries, [], []
    return cases, entries, _earlier_open(period, sites, tz), _sanctions(period, sites)


def _earlier_open(period: Period, sites: Sequence[str], tz: tzinfo) -> list[dict[str, Any]]:
    return figures_queries.open_at(period.bounds(tz)[0], sites)


def _sanctions(period: Period, sites: Sequence[str]) -> list[dict[str, Any]]:
    return figures_queries.approved_sanctions(period.start, period.end, sites)


def figures_for(period: Period, sites: Sequence[str], *, as_of: datetime, tz) -> fig.Figures:
    """The figures of one period (no permission check: callers check stats.view). The new
    summaries of closed cases are kept in the database by the next keep_summaries()."""
    # Tens of thousands of small dicts that all live until the end: the cyclic collector
    # would walk them again and again for nothing (it doubled the time on 100k cases).
    with cyclic_gc_paused():
        return _figures_for(period, sites, as_of=as_of, tz=tz)


def _figures_for(period: Period, sites: Sequence[str], *, as_of: datetime, tz) -> fig.Figures:
    name = figures_queries.database_name()
    if len(_SUMMARIES) > _SUMMARIES_MAX or name != _SUMMARIES_DB[0]:
        _SUMMARIES.clear()  # another data folder (or a test's fresh one): start afresh
        _SUMMARIES_DB[0] = name
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
        vsites = tuple(sites) or tuple(sorted({c["site"] for c in cases} | {k[0] for k in vols}))
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
        # month that is over with every case closed taken from _PARTS, or else from the
        # months kept in the database (stats_months).
        _forget_parts_if_written()
        judged = stats_months.judging_of(tz, book, fp)
        kept = stats_months.load(
            [m for m in months if (m, tuple(sites), str(tz)) not in _PARTS],
            sites,
            tz,
            as_of,
            judged,
        )
        parts = [
            _month_part(m, sites, tz, as_of, book, fp, stale, judged, kept.get(m)) for m in months
        ]
        part = fig.join(parts)
        vsites = tuple(sites) or tuple(
            sorted(
                site
                for site in set().union(*(p.sites for p in parts)) | {k[0] for k in vols}
                if site is not None
            )
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


# The partial figures (figures.Partial) of months that are over and whose every case was
# closed by then: they no longer depend on the clock, only on the data, so a year or a
# quarter joins them instead of reading and judging those cases again, and a month opened
# again costs nothing. Emptied whenever anything is written to the database
# (db.data_stamp.write_stamp), except the summaries this module keeps (derived data).
# Worker thread only.
_PARTS: dict[tuple, fig.Partial] = {}
_PARTS_MAX_CASES = 250_000  # ~200 bytes a case: at most ~50 MB (a year at 100k cases)
_PARTS_STAMP: list[tuple | None] = [None]


def _month_part(
    month: Period,
    sites: Sequence[str],
    tz,
    as_of: datetime,
    book: policy_uc.PolicyBook,
    fp: Callable[[datetime], str],
    stale: list,
    judged: Callable[[Period], str],
    kept: fig.Partial | None,
) -> fig.Partial:
    stamp = _forget_parts_if_written()
    key = (month, tuple(sites), str(tz))
    part = _PARTS.get(key) or kept
    if part is not None:
        if (
            key not in _PARTS
            and sum(len(p.ids) for p in _PARTS.values()) + len(part.ids) <= _PARTS_MAX_CASES
        ):
            _PARTS[key] = part
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
    if month.bounds(tz)[1] <= as_of and not part.unsettled and len(part.ids) == len(cases):
        if held + len(part.ids) <= _PARTS_MAX_CASES:
            _PARTS[key] = part
        stats_months.remember(month, sites, tz, judged(month), part, stamp)
    return part


def _forget_parts_if_written() -> tuple:
    """Empty _PARTS if anything was written since they were computed; the write stamp."""
    stamp = data_stamp.write_stamp()
    if _PARTS_STAMP[0] != stamp:
        _PARTS.clear()
        _PARTS_STAMP[0] = stamp
    return stamp


def keep_summaries() -> int:
    """Keep in the database the summaries of closed cases computed since the last call (best
    effort: a read-only or busy database, or a write transaction in progress, only means they
    are computed again after a restart). Worker thread; returns how many were written."""
    pending = list(_PENDING)
    _PENDING.clear()
    if stats_months.pending():
        before = data_stamp.write_stamp()
        if stats_months.keep() and _PARTS_STAMP[0] == before:  # only derived rows written
            _PARTS_STAMP[0] = data_stamp.write_stamp()
    if figures_queries.database_name() != _SUMMARIES_DB[0]:  # computed in another data folder
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
    if not rows or figures_queries.in_transaction():
        return 0
    # Never wait for another writer (a ledger import in another process): the figures are
    # already computed, only keeping them is skipped.
    before = data_stamp.write_stamp()
    if not figures_queries.store_summaries(rows):
        return 0
    if _PARTS_STAMP[0] == before:  # only derived rows written: the months still hold
        _PARTS_STAMP[0] = data_stamp.write_stamp()
    return len(rows)


def months_to_fill(as_of: datetime, tz: tzinfo) -> list[Period]:
    """The months, newest first, that hold a case closed by ``as_of`` with no kept summary:
    after an upgrade, a demo load or a ledger import, what the background fill computes so
    that opening any month costs the "kept" time (bench/README.md). One short query a month
    (it stops at the first such case)."""
    first = figures_queries.first_received()
    if first is None:
        return []
    this = current(PeriodKind.MONTH, as_of.astimezone(tz).date())
    oldest = first.astimezone(tz).date()
    n = (this.start.year - oldest.year) * 12 + this.start.month - oldest.month + 1
    return [
        m
        for m in reversed(months_ending(this, max(n, 1)))
        if figures_queries.has_unsummarised(*m.bounds(tz), as_of)
    ]


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


def volumes(sites: Sequence[str], months: Sequence[str]) -> dict[tuple[str, str], volume.Volume]:
    """(site, "2026-10") → the volume entered for it (``sites`` empty: every site); months
    with none are absent."""
    return {k: volume.Volume(*v) for k, v in figures_queries.volumes(sites, months).items()}


def volume_months(period: Period) -> list[str]:
    """The months whose volume the period's complaint rate needs ("2026-10", …)."""
    return [m.code for m in months_touching(period)]


@retried  # one transaction: run again if the office server undid it
def set_volumes(ctx: Context, site: str, months: dict[str, tuple[int, int] | None]) -> None:
    """Enter the business volume of ``site``: month "2026-10" → (进厂台次, 新车销售台数), or
    None to remove the month's figures. Needs stats.report (客服经理, 总经理); audited."""
    auth.require(ctx, "stats.report")
    site = (site or "").strip().upper()
    if not site:
        raise UseCaseError("请选择站点")
    clean: dict[str, tuple[int, int] | None] = {}
    for m, given in months.items():
        v = given
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
    now = ctx.now()
    with database.atomic():
        old = volumes([site], list(clean))
        for m, v in clean.items():
            before = old.get((site, m))
            before_t = None if before is None else (before.service_visits, before.new_car_sales)
            if before_t == v:
                continue
            if v is None:
                figures_queries.delete_volume(site, m)
            else:
                figures_queries.put_volume(site, m, v[0], v[1], at=now, by=ctx.actor)
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

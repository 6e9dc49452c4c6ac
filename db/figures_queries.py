"""The queries of 统计 besides the period's cases and entries (db.case_loads): the cases open
when a period began, its approved sanctions, the business volumes, the monthly counts, the
sites present, and the kept summaries of closed cases (table stats_summaries)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import peewee as pw

from complaints.types import ApprovalStatus, State
from db.models import database, on_server
from db.timeutil import date_from_db, from_db, to_db

_OPEN_STATES = tuple(s.value for s in State if s is not State.CLOSED)


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


def _site_in(sites: Sequence[str], alias: str = "") -> tuple[str, list[str]]:
    if not sites:
        return "", []
    a = f"{alias}." if alias else ""
    return f" AND {a}site IN ({_marks(sites)})", list(sites)


def sites_present() -> list[str]:
    """The site codes that have cases. Hops from one site to the next along the
    (site, received_at) index instead of reading every case."""
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


def open_at(start: datetime, sites: Sequence[str]) -> list[dict[str, Any]]:
    """{id, received_at, closed_at} of the cases received before ``start`` and open then:
    still open now (state index), or closed since (index of closed_at, received_at)."""
    at = to_db(start)
    site_sql, site_params = _site_in(sites)
    return [
        {"id": i, "received_at": from_db(r), "closed_at": from_db(c)}
        for i, r, c in database.execute_sql(
            "SELECT id, received_at, closed_at FROM cases WHERE state IN "
            f"({_marks(_OPEN_STATES)}) AND received_at < ? AND deleted = 0{site_sql} UNION "
            "SELECT id, received_at, closed_at FROM cases WHERE closed_at >= ? AND "
            f"received_at < ? AND deleted = 0{site_sql}",
            [*_OPEN_STATES, at, *site_params, at, at, *site_params],
        )
    ]


def approved_sanctions(start: date, end: date, sites: Sequence[str]) -> list[dict[str, Any]]:
    """The approved, not deleted sanctions dated in [start, end) at these sites."""
    site_s, site_params = _site_in(sites, "s")
    return [
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
            [start.isoformat(), end.isoformat(), ApprovalStatus.APPROVED.value, *site_params],
        )
    ]


def month_counts(bounds: Sequence[tuple[datetime, datetime]], sites: Sequence[str]) -> list[int]:
    """Cases received in each [start, end): one statement of range counts, each answered from
    the (received_at, deleted, site) index alone."""
    if not bounds:
        return []
    site_sql, site_params = _site_in(sites)
    one = (
        f"(SELECT count(*) FROM cases WHERE received_at >= ? AND received_at < ? "
        f"AND deleted = 0{site_sql})"
    )
    params: list[Any] = []
    for start, end in bounds:
        params += [to_db(start), to_db(end), *site_params]
    return list(database.execute_sql(f"SELECT {', '.join([one] * len(bounds))}", params).fetchone())


# --- business volumes -----------------------------------------------------------------------


def volumes(sites: Sequence[str], months: Sequence[str]) -> dict[tuple[str, str], tuple[int, int]]:
    """(site, "2026-10") → (进厂台次, 新车销售台数) entered (``sites`` empty: every site)."""
    if not months:
        return {}
    site_sql, site_params = _site_in(sites)
    return {
        (site, m): (v, n)
        for site, m, v, n in database.execute_sql(
            "SELECT site, month, service_visits, new_car_sales FROM volumes WHERE month IN "
            f"({_marks(months)}){site_sql}",
            [*months, *site_params],
        )
    }


def delete_volume(site: str, month: str) -> None:
    database.execute_sql("DELETE FROM volumes WHERE site = ? AND month = ?", [site, month])


def put_volume(
    site: str, month: str, visits: int, sold: int, *, at: datetime, by: str | None
) -> None:
    sql = (
        "INSERT OR REPLACE INTO volumes (site, month, service_visits, new_car_sales, "
        "modified_at, modified_by) VALUES (?, ?, ?, ?, ?, ?)"
    )
    if on_server():  # PostgreSQL has no INSERT OR REPLACE: the row of the month is updated
        sql = (
            "INSERT INTO volumes (site, month, service_visits, new_car_sales, modified_at, "
            "modified_by) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (site, month) DO UPDATE SET "
            "service_visits = excluded.service_visits, new_car_sales = excluded.new_car_sales, "
            "modified_at = excluded.modified_at, modified_by = excluded.modified_by"
        )
    database.execute_sql(sql, [site, month, visits, sold, to_db(at), by])


# --- kept summaries of closed cases ---------------------------------------------------------


def forget_summaries() -> None:
    """Empty stats_summaries (derived data: the figures are the same without it)."""
    with database.atomic():
        database.execute_sql("DELETE FROM stats_summaries")


def store_summaries(rows: Sequence[tuple[Any, ...]]) -> bool:
    """INSERT OR REPLACE rows (case_id, fingerprint, contact_hours, handling_hours,
    called_back, level, reopened, outcomes) without waiting for another writer: False, and
    nothing written, when the database is busy or read-only."""
    if on_server():
        return _store_summaries_on_server(rows)
    busy = database.execute_sql("PRAGMA busy_timeout").fetchone()[0]
    database.execute_sql("PRAGMA busy_timeout = 50")
    try:
        with database.atomic():
            database.cursor().executemany(
                "INSERT OR REPLACE INTO stats_summaries (case_id, fingerprint, contact_hours, "
                "handling_hours, called_back, level, reopened, outcomes) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
    except (sqlite3.Error, pw.DatabaseError):
        return False
    finally:
        database.execute_sql(f"PRAGMA busy_timeout = {int(busy)}")
    return True


def _store_summaries_on_server(rows: Sequence[tuple[Any, ...]]) -> bool:
    """store_summaries on PostgreSQL: the rows of the cases are updated (no INSERT OR
    REPLACE there), and a lock held by another seat longer than 50 ms gives up."""
    try:
        with database.atomic():
            database.execute_sql("SET LOCAL lock_timeout = '50ms'")
            database.cursor().executemany(
                "INSERT INTO stats_summaries (case_id, fingerprint, contact_hours, "
                "handling_hours, called_back, level, reopened, outcomes) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (case_id) DO UPDATE SET "
                "fingerprint = excluded.fingerprint, contact_hours = excluded.contact_hours, "
                "handling_hours = excluded.handling_hours, called_back = excluded.called_back, "
                "level = excluded.level, reopened = excluded.reopened, "
                "outcomes = excluded.outcomes",
                rows,
            )
    except pw.DatabaseError:
        return False
    return True


def first_received() -> datetime | None:
    """When the oldest case not deleted was received."""
    first = database.execute_sql("SELECT min(received_at) FROM cases WHERE deleted = 0")
    return from_db(first.fetchone()[0])


def has_unsummarised(start: datetime, end: datetime, closed_by: datetime) -> bool:
    """Whether a case received in [start, end) and closed by ``closed_by`` has no kept
    summary (a short query: it stops at the first such case)."""
    return bool(
        database.execute_sql(
            "SELECT EXISTS (SELECT 1 FROM cases c WHERE c.received_at >= ? AND "
            "c.received_at < ? AND c.deleted = 0 AND c.state = ? AND c.closed_at <= ? "
            "AND NOT EXISTS (SELECT 1 FROM stats_summaries s WHERE s.case_id = c.id))",
            [to_db(start), to_db(end), State.CLOSED.value, to_db(closed_by)],
        ).fetchone()[0]
    )


def database_name() -> str | None:
    """The open database file (a cache of figures belongs to one)."""
    return database.database


def in_transaction() -> bool:
    return bool(database.in_transaction())

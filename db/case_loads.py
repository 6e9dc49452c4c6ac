"""Cases with their tracking entries, decoded for the rules: the plain values that
``complaints.rules.deadlines`` and ``complaints.rules.figures`` take (aware datetimes, bools).

One decoding of a case row and of an entry row, shared by the to-do list, 厂家跟踪 and 统计;
each selection of cases is a function named for whom it serves, reading the columns the rules
read (RULE_COLUMNS) and those its rows show. The caller says which entry actions to read (only
those its rules look at) and for which of them the satisfaction counts; a rule entry's 说明 is
never read (None).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from complaints.types import Action, Channel, State
from db.models import database, on_server
from db.timeutil import to_db

# What the rules read of a case: the deadlines (complaints.rules.deadlines) and the figures'
# dimensions (complaints.rules.figures). Every selection below reads these, plus what its
# rows show: a case row is long (its complaint text), and every further column read from it
# costs time on thousands of cases.
RULE_COLUMNS = (
    "id",
    "site",
    "received_at",
    "channel",
    "severity",
    "kind",
    "business",
    "area",
    "media",
    "needs_oem",
    "settled_on_site",
    "state",
    "closed_at",
    "department",
    "liability",
    "satisfaction",
    "satisfaction2",
    "emergency",
)
TODO_COLUMNS = (*RULE_COLUMNS, "number", "responsible", "customer_name")
OEM_COLUMNS = (
    *TODO_COLUMNS,
    "car_model",
    "vin",
    "cac_number",
    "fmc_status",
)
FIGURES_COLUMNS = (
    *RULE_COLUMNS,
    "phone",
    "vin",
    "revision",
    "modified_at",
    "cause",
    "responsible",
)
OPEN_STATES = tuple(s.value for s in State if s is not State.CLOSED)
_CHUNK = 900  # ids per IN (...): under SQLite's default limit of variables
_parse = datetime.fromisoformat

Case = dict[str, Any]
Entry = dict[str, Any]


def _columns(columns: Sequence[str], alias: str) -> str:
    return ", ".join(f"{alias}.{k}" for k in columns)


def _case(columns: Sequence[str], row: Sequence[Any]) -> Case:
    """A case row (its first len(columns) values) as the rules take it."""
    c = dict(zip(columns, row, strict=False))
    received, closed = c["received_at"], c["closed_at"]
    c["received_at"] = _parse(received) if received else None
    c["closed_at"] = _parse(closed) if closed else None
    c["media"] = bool(c["media"])
    c["needs_oem"] = bool(c["needs_oem"])
    return c


decode_case = _case  # the one decoding of a case row, shared with db.followup_rows


# An entry as the rules take it: {"at": aware datetime, "action", "note": None (never read),
# "satisfaction": only for the actions whose satisfaction counts}; written out in the loops
# below, which make tens of thousands of them.


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


def _satisfaction(note_actions: Sequence[str], alias: str = "") -> tuple[str, list[str]]:
    """The satisfaction column, kept only for the actions whose satisfaction counts."""
    a = f"{alias}." if alias else ""
    if not note_actions:
        return "NULL", []
    return (
        f"CASE WHEN {a}action IN ({_marks(note_actions)}) THEN {a}satisfaction END",
        list(note_actions),
    )


def _covering() -> str:
    """SQLite's hint for the covering index of the entries (case, deleted, time, action,
    satisfaction, 说明: what the pages read of an entry, without its row); PostgreSQL's
    planner chooses by itself."""
    return "" if on_server() else "INDEXED BY entries_case_at_cover2"


def rule_entries_of(
    case_ids: Iterable[int],
    *,
    actions: Sequence[str],
    note_actions: Sequence[str] = (),
    in_time_order: bool = False,
) -> dict[int, list[Entry]]:
    """The entries of ``actions`` of these cases (by case id), in chunks of ids; with
    ``in_time_order`` each case's entries come by time, then id."""
    ids = list(case_ids)
    sat, sat_params = _satisfaction(note_actions)
    order = " ORDER BY case_id, at, id" if in_time_order else ""
    out: dict[int, list[Entry]] = defaultdict(list)
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        # The covering index answers without a row: SQLite would take (case_id, at) and read
        # every entry's row to see its action (3 × the time for 厂家跟踪 at 1M).
        for case_id, at, action, satisfaction in database.execute_sql(
            f"SELECT case_id, at, action, {sat} FROM entries {_covering()} WHERE deleted = 0 "
            f"AND action IN ({_marks(actions)}) AND case_id IN ({_marks(chunk)}){order}",
            [*sat_params, *actions, *chunk],
        ):
            out[case_id].append(
                {
                    "at": _parse(at) if at else None,
                    "action": action,
                    "note": None,
                    "satisfaction": satisfaction,
                }
            )
    return out


# --- the to-do list: the open cases ---------------------------------------------------------


def _open_where(
    departments: Sequence[str] | None, person: str | None, sites: Sequence[str], alias: str
) -> tuple[str, list[Any]]:
    a = f"{alias}."
    # IN over the open states (not "!= 已关闭") so SQLite uses the (state, received_at) index.
    sql = [f"{a}state IN ({_marks(OPEN_STATES)})", f"{a}deleted = 0"]
    params: list[Any] = list(OPEN_STATES)
    if departments:
        sql.append(f"{a}department IN ({_marks(departments)})")
        params += departments
    if person:
        sql.append(f"{a}responsible = ?")
        params.append(person)
    if sites:
        sql.append(f"{a}site IN ({_marks(sites)})")
        params += sites
    return " AND ".join(sql), params


def open_cases(
    *,
    departments: Sequence[str] | None,
    person: str | None,
    sites: Sequence[str],
    actions: Sequence[str],
    note_actions: Sequence[str],
    ids: Sequence[int] = (),
) -> list[tuple[Case, list[Entry]]]:
    """(case, its entries of ``actions``) of every case not closed and not deleted, of these
    departments, this first responsible person and these sites (each None or empty: any),
    and with ``ids`` only those cases (at most _CHUNK of them). Two queries; the entries of a
    case come in no particular order."""
    where, params = _open_where(departments, person, sites, "c")
    if ids:
        where += f" AND c.id IN ({_marks(ids)})"
        params += ids
    cases: dict[int, Case] = {}
    entries: dict[int, list[Entry]] = {}
    for row in database.execute_sql(
        f"SELECT {_columns(TODO_COLUMNS, 'c')} FROM cases c WHERE {where}", params
    ):
        c = _case(TODO_COLUMNS, row)
        cases[c["id"]] = c
        entries[c["id"]] = []
    sat, sat_params = _satisfaction(note_actions, "e")
    # CROSS JOIN keeps the open cases as the outer loop (via the state index) instead of a
    # scan of every entry.
    for case_id, at, action, satisfaction in database.execute_sql(
        f"SELECT e.case_id, e.at, e.action, {sat} FROM cases c CROSS JOIN entries e "
        f"ON e.case_id = c.id WHERE e.deleted = 0 AND e.action IN ({_marks(actions)}) "
        f"AND {where}",
        [*sat_params, *actions, *params],
    ):
        es = entries.get(case_id)
        if es is None:  # a case that turned open between the two queries
            continue
        es.append(
            {
                "at": _parse(at) if at else None,
                "action": action,
                "note": None,
                "satisfaction": satisfaction,
            }
        )
    return [(c, entries[cid]) for cid, c in cases.items()]


# --- 厂家跟踪: the manufacturer's cases -------------------------------------------------------

# Written with literal values exactly as the partial indexes cases_oem and entries_oem_report
# say them, so that SQLite uses those indexes: the page reads only these cases and these
# entries, never the whole history.
_OEM_CASE = (
    f"deleted = 0 AND (channel = '{Channel.OEM.value}' OR needs_oem = 1 "
    "OR fmc_status IS NOT NULL OR cac_number IS NOT NULL)"
)
_REPORTED = f"action = '{Action.REPORT_OEM.value}' AND deleted = 0"


def oem_cases(
    *, include_closed: bool, fmc_status: str | None, sites: Sequence[str]
) -> dict[int, Case]:
    """The cases forwarded by the manufacturer (渠道 厂家转发), flagged 需厂家支持, reported to
    it (an 上报厂家 entry) or carrying an FMC status or CAC number, newest first (by id)."""
    where: list[str] = []
    params: list[Any] = []
    if fmc_status:
        where.append("c.fmc_status = ?")
        params.append(fmc_status)
    if sites:
        # the + keeps SQLite off the site index; PostgreSQL has no unary + on text
        site = "c.site" if on_server() else "+c.site"
        where.append(f"{site} IN ({_marks(sites)})")
        params += sites
    if include_closed:
        # Both sets from their partial indexes, then the rows by id.
        ids = (
            f"c.id IN (SELECT id FROM cases WHERE {_OEM_CASE} UNION "
            f"SELECT case_id FROM entries WHERE {_REPORTED}) AND c.deleted = 0"
        )
    elif on_server():  # the open cases, each checked (PostgreSQL's planner does the rest)
        ids = (
            f"c.state IN ({_marks(OPEN_STATES)}) AND c.deleted = 0 AND "
            "(c.channel = ? OR c.needs_oem = 1 OR c.fmc_status IS NOT NULL "
            "OR c.cac_number IS NOT NULL OR EXISTS (SELECT 1 FROM entries x "
            f"WHERE x.case_id = c.id AND x.action = '{Action.REPORT_OEM.value}' "
            "AND x.deleted = 0))"
        )
        params = [*OPEN_STATES, Channel.OEM.value, *params]
    else:
        # The open manufacturer cases by their partial index (cases_oem_state, schema 21),
        # and the open cases reported to the manufacturer: the open cases' ids from the state
        # index, each looked up in the partial index of the 上报厂家 entries (small, so its
        # pages stay cached; SQLite would pick the big covering index of every entry); then
        # only those rows, by id (the + keeps SQLite from walking every open case's row).
        marks = _marks(OPEN_STATES)
        ids = (
            f"c.id IN (SELECT id FROM cases WHERE state IN ({marks}) AND {_OEM_CASE} "
            f"UNION ALL SELECT o.id FROM cases o WHERE o.state IN ({marks}) AND EXISTS "
            "(SELECT 1 FROM entries INDEXED BY entries_oem_report "
            f"WHERE case_id = o.id AND {_REPORTED})) "
            f"AND +c.state IN ({marks}) AND +c.deleted = 0"
        )
        params = [*OPEN_STATES, *OPEN_STATES, *OPEN_STATES, *params]
    cases: dict[int, Case] = {}
    for row in database.execute_sql(
        f"SELECT {_columns(OEM_COLUMNS, 'c')} FROM cases c WHERE {' AND '.join([ids, *where])} "
        "ORDER BY c.received_at DESC, c.id DESC",
        params,
    ):
        c = _case(OEM_COLUMNS, row)
        cases[c["id"]] = c
    return cases


def latest_entries(case_ids: Iterable[int]) -> dict[int, tuple[datetime | None, str, str | None]]:
    """case id → (time, action, 说明) of its latest entry (by time, then id).

    Read from the covering index alone (no entry row; a window function over the entries
    would sort every 说明): per case, the entry with the greatest time and then id, whose
    other columns SQLite gives with max() (the stored times compare as text, as ORDER BY at
    compares them)."""
    ids = list(case_ids)
    out: dict[int, tuple[datetime | None, str, str | None]] = {}
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        marks = _marks(chunk)
        sql = (
            # PostgreSQL has no bare columns beside max(): each case's latest id, then it
            "SELECT case_id, at, action, note, id FROM entries WHERE id IN (SELECT (SELECT "
            "x.id FROM entries x WHERE x.case_id = c.id AND x.deleted = 0 "
            f"ORDER BY x.at DESC, x.id DESC LIMIT 1) FROM cases c WHERE c.id IN ({marks}))"
            if on_server()
            else "SELECT case_id, at, action, note, max(at || printf('%020d', id)) "
            f"FROM entries {_covering()} WHERE deleted = 0 AND case_id IN ({marks}) "
            "GROUP BY case_id"
        )
        for case_id, at, action, note, _latest in database.execute_sql(sql, chunk):
            out[case_id] = (_parse(at) if at else None, action, note)
    return out


def customer_names(case_ids: Sequence[int]) -> dict[int, Any]:
    """case id → the customer's name as stored now, for those of ``case_ids`` still here."""
    out: dict[int, Any] = {}
    for i in range(0, len(case_ids), _CHUNK):
        chunk = list(case_ids[i : i + _CHUNK])
        sql = f"SELECT id, customer_name FROM cases WHERE id IN ({_marks(chunk)})"
        out.update(database.execute_sql(sql, chunk).fetchall())
    return out


def entries_and_latest(
    case_ids: Iterable[int], *, actions: Sequence[str]
) -> tuple[dict[int, list[Entry]], dict[int, tuple[datetime | None, str, str | None]]]:
    """``rule_entries_of(case_ids, actions=actions, in_time_order=True)`` and
    ``latest_entries(case_ids)`` together: on SQLite one pass over the covering index per
    chunk of cases (the two read the same index pages; 厂家跟踪 at 1M: ~47 ms against ~64)."""
    ids = list(case_ids)
    if on_server():
        return rule_entries_of(ids, actions=actions, in_time_order=True), latest_entries(ids)
    entries: dict[int, list[Entry]] = defaultdict(list)
    latest: dict[int, tuple[datetime | None, str, str | None]] = {}
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        # Per case: its latest entry (max() gives the other columns of that row) and the
        # entries of ``actions`` as "time␟id␟action" joined by ␞ (in no order: sorted below).
        for case_id, at, action, note, _latest, wanted in database.execute_sql(
            "SELECT case_id, at, action, note, max(at || printf('%020d', id)), "
            f"group_concat(CASE WHEN action IN ({_marks(actions)}) THEN at || char(31) || "
            "printf('%020d', id) || char(31) || action END, char(30)) "
            f"FROM entries {_covering()} WHERE deleted = 0 AND case_id IN ({_marks(chunk)}) "
            "GROUP BY case_id",
            [*actions, *chunk],
        ):
            latest[case_id] = (_parse(at) if at else None, action, note)
            if wanted:
                entries[case_id] = [
                    {
                        "at": _parse(e_at) if e_at else None,
                        "action": e_action,
                        "note": None,
                        "satisfaction": None,
                    }
                    for e_at, _id, e_action in sorted(w.split("\x1f") for w in wanted.split("\x1e"))
                ]
    return entries, latest


# --- 统计: the cases received in a period ----------------------------------------------------


def _site_in(sites: Sequence[str], alias: str) -> tuple[str, list[str]]:
    if not sites:
        return "", []
    return f" AND {alias}.site IN ({_marks(sites)})", list(sites)


def period_cases(
    start: datetime,
    end: datetime,
    sites: Sequence[str],
    *,
    actions: Sequence[str],
    check_kept: bool,
) -> list[tuple[Case, str | None, tuple[Any, ...]]]:
    """(case, entries fingerprint, kept summary) of every case received in [start, end) at
    these sites (empty: every site).

    The kept summary is the case's row of stats_summaries: (fingerprint, contact hours,
    handling hours, called back, level, reopened, outcomes text), all None without one. With
    ``check_kept``, a closed case that has one also gets the fingerprint of its entries of
    ``actions`` ("count/latest time", from the covering entries index), else None."""
    site_c, site_params = _site_in(sites, "c")
    rows = database.execute_sql(
        f"SELECT {_columns(FIGURES_COLUMNS, 'c')}, "
        "CASE WHEN c.state = ? AND s.case_id IS NOT NULL THEN (SELECT "
        "count(*) || '/' || ifnull(max(e.at), '') FROM entries e WHERE e.case_id = c.id "
        f"AND e.deleted = 0 AND e.action IN ({_marks(actions)})) END, "
        "s.fingerprint, s.contact_hours, s.handling_hours, s.called_back, s.level, s.reopened, "
        "s.outcomes FROM cases c LEFT JOIN stats_summaries s ON s.case_id = c.id "
        f"WHERE c.received_at >= ? AND c.received_at < ? AND c.deleted = 0{site_c}"
        # The figures sum hours in this order: the server's join gives no order of its own,
        # so it is told SQLite's (the received_at index), and both engines' sums agree.
        + (" ORDER BY c.received_at, c.id" if on_server() else ""),
        [
            State.CLOSED.value if check_kept else "",
            *actions,
            to_db(start),
            to_db(end),
            *site_params,
        ],
    )
    n = len(FIGURES_COLUMNS)
    out = []
    for row in rows:
        fingerprint, contact, handling, called_back, level, reopened, outcomes = row[n + 1 :]
        kept = (
            fingerprint,
            contact,
            handling,
            bool(called_back),
            level,
            bool(reopened),
            outcomes,
        )
        out.append((_case(FIGURES_COLUMNS, row), row[n], kept))
    return out


def period_entries(
    start: datetime,
    end: datetime,
    sites: Sequence[str],
    *,
    actions: Sequence[str],
    note_actions: Sequence[str],
) -> dict[int, list[Entry]]:
    """The entries of ``actions`` of every case received in [start, end) at these sites,
    in one join (quickest when most of the period's cases are wanted)."""
    site_c, site_params = _site_in(sites, "c")
    sat, sat_params = _satisfaction(note_actions, "e")
    out: dict[int, list[Entry]] = defaultdict(list)
    prev: int | None = None
    bucket: list[Entry] = []
    for case_id, at, action, satisfaction in database.execute_sql(
        f"SELECT e.case_id, e.at, e.action, {sat} FROM cases c CROSS JOIN "
        "entries e ON e.case_id = c.id WHERE c.received_at >= ? AND c.received_at < ? "
        f"AND c.deleted = 0 AND e.deleted = 0 AND e.action IN ({_marks(actions)}){site_c}",
        [*sat_params, to_db(start), to_db(end), *actions, *site_params],
    ):
        if case_id != prev:  # a case's entries come together
            prev, bucket = case_id, out[case_id]
        bucket.append(
            {
                "at": _parse(at) if at else None,
                "action": action,
                "note": None,
                "satisfaction": satisfaction,
            }
        )
    return out

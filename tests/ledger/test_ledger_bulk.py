"""Bulk loading (db.bulk_load): a big import into a small database drops the plain indexes
and rebuilds them before the commit. The schema after is the schema before, a cancel or a
failure leaves everything as it was, and the data are those of the ordinary path."""

from __future__ import annotations

import pytest

from complaints.usecases import cases, ledger_export, ledger_import, storage
from db import bulk_load
from db.models import database, on_server
from ledger.merge import Merger
from tests.ledger.helpers import new_case, snapshot


def schema() -> list[tuple]:
    """Every index and trigger of the database: names and SQL."""
    if on_server():
        return database.execute_sql(
            "SELECT 'index', indexname, tablename, indexdef FROM pg_indexes "
            "WHERE schemaname = current_schema() UNION ALL "
            "SELECT 'trigger', g.tgname, c.relname, pg_get_triggerdef(g.oid) FROM pg_trigger g "
            "JOIN pg_class c ON c.oid = g.tgrelid WHERE NOT g.tgisinternal ORDER BY 1, 2"
        ).fetchall()
    return database.execute_sql(
        "SELECT type, name, tbl_name, sql FROM sqlite_master "
        "WHERE type IN ('index', 'trigger') ORDER BY type, name"
    ).fetchall()


def dump() -> list[str]:
    """The whole database as SQL text (every table's rows, the schema)."""
    if not on_server():
        return list(database.connection().iterdump())
    tables = [
        r[0]
        for r in database.execute_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
        )
    ]
    rows = [
        f"{t}: {row!r}"
        for t in tables
        for row in database.execute_sql(f"SELECT * FROM {t} ORDER BY 1").fetchall()
    ]
    return rows + [repr(r) for r in schema()]


def plain_index_names() -> set[str]:
    return {
        ix.name for ix in bulk_load.plain_indexes(("cases", "entries", "sanctions", "ledger_base"))
    }


@pytest.fixture
def sh01_file(sites, tmp_path):
    ctx = sites.use("SH01")
    for i in range(30):
        new_case(
            ctx,
            customer_name=f"客户{i:02d}",
            content=f"变速箱顿挫{i:02d}号",
            vin="LSVAM4187C2184847" if i == 3 else "",
        )
    out = tmp_path / "sh01.xlsx"
    ledger_export.export_ledger(ctx, out)
    return out


def test_plain_indexes_are_the_app_secondary_indexes(sites):
    sites.use("HQ")
    names = plain_index_names()
    assert {
        "cases_received",
        "cases_vin",
        "cases_phone",
        "entries_case_at",
        "entries_case_at_cover2",
        "entries_modified",
        "ledger_base_applied",
    } <= names
    # the unique ones (uid, (site, 编号)) serve the merge and enforce rules: never dropped
    assert not any(n.startswith("sqlite_autoindex") for n in names)


def test_bulk_import_keeps_the_schema_and_search_works(sites, sh01_file):
    hq = sites.use("HQ")
    before = schema()
    seen = []
    real = bulk_load.BulkLoad.__init__

    def spy(self, tables):
        seen.append(list(tables))
        real(self, tables)

    bulk_load.BulkLoad.__init__ = spy
    try:
        report = ledger_import.apply_import(hq, [sh01_file], bulk=True)
    finally:
        bulk_load.BulkLoad.__init__ = real
    assert seen and "cases" in seen[0] and "entries" in seen[0]
    assert report.applied and not report.differences
    assert report.files[0].counts["投诉台账"].new == 30
    assert schema() == before
    assert storage.run_checks() == []
    if on_server():  # the planner has the loaded rows' statistics at once
        analysed = database.execute_sql(
            "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL"
        ).fetchall()
        assert {"cases", "cases_fts", "entries"} <= {r[0] for r in analysed}
    found = cases.search("顿挫07")
    assert len(found) == 1
    assert cases.get_case(found[0])["customer_name"] == "客户07"
    assert len(cases.search("LSVAM4187C2184847")) == 1
    # the rebuilt indexes hold every row (SQLite's own check compares them with the table;
    # the server's amcheck is part of run_checks above)
    if not on_server():
        assert database.execute_sql("PRAGMA integrity_check").fetchall() == [("ok",)]


@pytest.mark.sqlite_only("a fresh HQ by moving its data folder aside")
def test_bulk_and_ordinary_paths_give_the_same_data(sites, sh01_file):
    results = {}
    for flag in (False, True):
        if flag:
            sites.close()
            (sites.root / "HQ").rename(sites.root / "HQ-ordinary")
        hq = sites.use("HQ")
        new_case(hq, customer_name="总部自己的")
        database.execute_sql("UPDATE cases SET uid = 'eeeeeeee-0000-4000-8000-000000000001'")
        database.execute_sql("UPDATE entries SET uid = 'eeeeeeee-0000-4000-8000-000000000002'")
        first = ledger_import.apply_import(hq, [sh01_file], bulk=flag)
        second = ledger_import.apply_import(hq, [sh01_file], bulk=flag)  # idempotent both ways
        results[flag] = (
            [{s: c.as_dict() for s, c in r.files[0].counts.items()} for r in (first, second)],
            snapshot(),
            schema(),
        )
    assert results[True] == results[False]


def test_threshold_decides_by_incoming_and_existing_rows(sites, sh01_file, monkeypatch):
    hq = sites.use("HQ")
    assert bulk_load.tables_to_bulk_load({"cases": 30, "entries": 30}, minimum=31) == []
    assert bulk_load.tables_to_bulk_load({"cases": 30, "entries": 30}, minimum=10) == [
        "cases",
        "entries",
    ]
    new_case(hq, customer_name="总部自己的")
    assert bulk_load.tables_to_bulk_load({"cases": 1}, minimum=1) == []  # not more than there
    monkeypatch.setattr(bulk_load, "BULK_MIN_ROWS", 10)
    seen = []
    monkeypatch.setattr(
        ledger_import, "BulkLoad", lambda tables: seen.append(tables) or bulk_load.BulkLoad(tables)
    )
    before = schema()
    ledger_import.apply_import(hq, [sh01_file])
    assert seen and {"cases", "entries", "ledger_base"} <= set(seen[0])
    assert schema() == before
    seen.clear()
    ledger_import.apply_import(hq, [sh01_file])  # now as many rows here as in the file
    assert seen == []


def test_cancelled_bulk_import_leaves_everything_as_before(sites, sh01_file, tmp_path):
    ctx = sites.use("SH01")
    for i in range(200):  # enough rows for the cancel check (every 200 rows)
        new_case(ctx, customer_name=f"又一位{i}")
    big = tmp_path / "big.xlsx"
    ledger_export.export_ledger(ctx, big)
    hq = sites.use("HQ")
    new_case(hq, customer_name="总部自己的")
    before = dump()
    report = ledger_import.apply_import(hq, [big], bulk=True, cancelled=lambda: True)
    assert report.cancelled and not report.applied
    assert dump() == before
    assert storage.run_checks() == []


def test_failing_bulk_import_leaves_everything_as_before(sites, sh01_file, monkeypatch):
    hq = sites.use("HQ")
    new_case(hq, customer_name="总部自己的")
    before = dump()
    calls = []
    real = Merger._insert_new

    def boom(self, sheet, rows):
        calls.append(sheet)
        if sheet == "跟踪记录":  # the cases are in, indexes dropped: fail now
            raise RuntimeError("disk on fire")
        return real(self, sheet, rows)

    monkeypatch.setattr(Merger, "_insert_new", boom)
    with pytest.raises(RuntimeError):
        ledger_import.apply_import(hq, [sh01_file], bulk=True)
    assert "投诉台账" in calls
    assert dump() == before
    assert storage.run_checks() == []


def test_all_or_nothing_bulk_import_with_a_rejected_row_rolls_back(sites, tmp_path):
    from openpyxl import load_workbook

    ctx = sites.use("SH01")
    for i in range(5):
        new_case(ctx, customer_name=f"客户{i}")
    src = tmp_path / "sh01.xlsx"
    ledger_export.export_ledger(ctx, src)
    wb = load_workbook(src)
    ws = wb["投诉台账"]
    h = [c.value for c in ws[1]]
    ws.cell(row=3, column=h.index("登记时间") + 1, value="不是日期")
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    hq = sites.use("HQ")
    before, before_schema = dump(), schema()
    report = ledger_import.apply_import(hq, [bad], bulk=True, all_or_nothing=True)
    assert not report.applied and report.rejected == 2  # the case and its entry
    assert dump() == before
    # and the same file without all-or-nothing: its good rows, the schema intact
    report = ledger_import.apply_import(hq, [bad], bulk=True)
    assert report.applied and report.files[0].counts["投诉台账"].new == 4
    assert storage.run_checks() == []
    assert schema() == before_schema


def test_full_text_index_follows_updates_within_and_after_a_bulk_load(sites, tmp_path):
    ctx = sites.use("SH01")
    ids = [new_case(ctx, customer_name=f"客户{i}", content=f"原来的说法{i}") for i in range(5)]
    old = tmp_path / "old.xlsx"
    ledger_export.export_ledger(ctx, old)
    cases.update_case(ctx, ids[0], {"content": "改过的说法甲"})
    ids.append(new_case(ctx, customer_name="新客户", content="后来的说法"))
    new = tmp_path / "new.xlsx"
    ledger_export.export_ledger(ctx, new)
    # one load: the old version inserted, the newer one updating it, in the same transaction
    hq = sites.use("HQ")
    report = ledger_import.apply_import(hq, [old, new], bulk=True)
    assert report.files[1].counts["投诉台账"].as_dict()["updated"] == 1
    assert storage.run_checks() == []
    assert len(cases.search("改过的说法甲")) == 1
    assert cases.search("原来的说法0") == []
    assert len(cases.search("后来的说法")) == 1
    # a case already here updated by a later bulk load: its document follows too
    cases_here = len(cases.search("说法"))
    sites.use("SH01")
    cases.update_case(ctx, ids[1], {"content": "第二次改的说法"})
    again = tmp_path / "again.xlsx"
    ledger_export.export_ledger(ctx, again)
    hq = sites.use("HQ")
    ledger_import.apply_import(hq, [again], bulk=True)
    assert storage.run_checks() == []
    assert len(cases.search("第二次改的说法")) == 1
    assert len(cases.search("说法")) == cases_here


def _keep_months(spans: list[tuple[str, str]]) -> None:
    """Kept months of 统计 (stats_months rows) over the given [start, end) spans."""
    for n, (start, end) in enumerate(spans):
        database.execute_sql(
            "INSERT INTO stats_months (start_at, end_at, sites, zone, judging, settled_at, "
            "cases, part) VALUES (?, ?, ?, '+08:00', '', '', 0, '')",
            (start, end, f"sites{n}"),
        )


def _kept_months() -> list[tuple[str, str, str]]:
    return database.execute_sql(
        "SELECT start_at, end_at, sites FROM stats_months ORDER BY sites"
    ).fetchall()


@pytest.mark.sqlite_only(
    "the bulk load replaces SQLite's kept-months insert triggers; the server keeps no months"
)
def test_bulk_load_forgets_the_kept_months_the_new_rows_fall_in(sites, sh01_file):
    """The kept months' insert triggers are replaced by one statement at the end: the same
    months are forgotten as row by row, and the triggers are back afterwards."""
    spans = [
        ("2000-01-01T00:00:00+00:00", "2100-01-01T00:00:00+00:00"),  # every new case
        ("1990-01-01T00:00:00+00:00", "1990-02-01T00:00:00+00:00"),  # none
    ]
    kept = {}
    for flag in (False, True):
        if flag:
            sites.close()
            (sites.root / "HQ").rename(sites.root / "HQ-ordinary")
        hq = sites.use("HQ")
        before = schema()
        _keep_months(spans)
        report = ledger_import.apply_import(hq, [sh01_file], bulk=flag)
        assert report.applied and not report.differences
        kept[flag] = _kept_months()
        assert schema() == before
    assert kept[True] == kept[False] == [(*spans[1], "sites1")]


@pytest.mark.sqlite_only(
    "the bulk load replaces SQLite's kept-months insert triggers; the server keeps no months"
)
def test_bulk_load_forgets_the_months_of_new_entries_by_their_case(sites, sh01_file):
    """Entries alone: the month of the case an inserted entry belongs to is forgotten, the
    month of a case with no new entry is kept (as the row-by-row trigger does)."""
    hq = sites.use("HQ")
    ledger_import.apply_import(hq, [sh01_file], bulk=False)
    a, b = (i for (i,) in database.execute_sql("SELECT id FROM cases ORDER BY id LIMIT 2"))
    a_at, b_at = "2026-11-20T01:30:00+00:00", "2026-10-20T01:30:00+00:00"
    database.execute_sql("UPDATE cases SET received_at = ? WHERE id = ?", (a_at, a))
    database.execute_sql("UPDATE cases SET received_at = ? WHERE id = ?", (b_at, b))
    with database.atomic():
        _keep_months([(a_at, a_at + "~"), (b_at, b_at + "~")])
        loader = bulk_load.BulkLoad(["entries"])
        assert "stats_months_entry_ai" not in {n for _t, n, _tb, _s in schema()}
        database.execute_sql(
            "INSERT INTO entries (uid, site, revision, modified_at, deleted, case_id, at, "
            "action, actor, note, recorded_at) SELECT uid || '-x', site, revision, "
            "modified_at, deleted, case_id, at, action, actor, note, recorded_at "
            "FROM entries WHERE case_id = ?",
            (a,),
        )
        assert len(_kept_months()) == 2  # no trigger forgot it row by row
        loader.restore()
        assert _kept_months() == [(b_at, b_at + "~", "sites1")]
        assert "stats_months_entry_ai" in {n for _t, n, _tb, _s in schema()}


def test_bulk_load_drops_and_restores_both_kept_months_insert_triggers(sites):
    sites.use("HQ")
    names = {"stats_months_case_ai", "stats_months_entry_ai"}
    before = schema()
    with database.atomic():
        loader = bulk_load.BulkLoad(["cases", "entries"])
        assert not names & {n for _t, n, _tb, _s in schema()}
        loader.restore()
    assert schema() == before

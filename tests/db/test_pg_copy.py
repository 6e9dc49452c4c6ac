"""Loading many rows on the office server (db/pg_copy.py) and the server's share of a bulk
load (db/bulk_load.py ServerTriggers), on a throwaway cluster."""

from __future__ import annotations

from db import bulk_load, changes, ledger_rows, ledger_state, pg_copy
from db.models import database


def _catalog() -> list[tuple]:
    """Every index, trigger (with whether it is enabled) and constraint of the schema."""
    return database.execute_sql(
        "SELECT 'index', indexname, indexdef FROM pg_indexes "
        "WHERE schemaname = current_schema() UNION ALL "
        "SELECT 'trigger', g.tgname, pg_get_triggerdef(g.oid) || ' ' || g.tgenabled::text "
        "FROM pg_trigger g WHERE NOT g.tgisinternal UNION ALL "
        "SELECT 'constraint', conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 2"
    ).fetchall()


def test_copy_rows_inserts_the_rows_and_is_noted_as_a_write(server_ctx):
    rows = [("u-0", "站点"), ("u-1", "它'的\t\n\\值")]
    with changes.recording() as rec, database.atomic():
        n = pg_copy.copy_rows("settings", ("key", "value"), rows)
    assert n == 2
    assert "settings" in rec.tables
    got = database.execute_sql(
        "SELECT key, value FROM settings WHERE key LIKE 'u-%' ORDER BY key"
    ).fetchall()
    assert [tuple(r) for r in got] == rows


def test_copy_rows_is_undone_by_a_rollback(server_ctx):
    with database.atomic() as tx:
        pg_copy.copy_rows("settings", ("key", "value"), [("gone", "x")])
        tx.rollback()
    assert database.execute_sql("SELECT count(*) FROM settings WHERE key = 'gone'").fetchone() == (
        0,
    )


def test_put_bases_by_copy_writes_and_replaces_like_row_by_row(server_ctx):
    def row(uid: str, revision: int) -> ledger_state.BaseRow:
        return (uid, "cases", revision, 1, f"d{revision}", "2026-01-01", f"f{revision}", None)

    many = [row(f"uid-{i:04d}", 1) for i in range(pg_copy.COPY_MIN_ROWS + 5)]
    with database.atomic():
        ledger_state.put_bases(many)
        # a second batch: replaces one uid held already, and names another uid twice (the
        # later row wins, as INSERT OR REPLACE row by row)
        again = [row("uid-0003", 2), row("new", 1), row("new", 3)]
        ledger_state.put_bases(again + [row(f"more-{i:04d}", 1) for i in range(100)])
    assert ledger_state.base("uid-0003") == (2, 1, "d2", "f2")
    assert ledger_state.base("new") == (3, 1, "d3", "f3")
    assert ledger_state.base("uid-0004") == (1, 1, "d1", "f1")
    (n,) = database.execute_sql("SELECT count(*) FROM ledger_base").fetchone()
    assert n == len(many) + 1 + 100


def test_keys_as_one_array_find_what_the_in_lists_found(server_ctx):
    uids = [f"c-{i}" for i in range(ledger_rows.ANY_CHUNK + 3)]
    assert ledger_rows.count_uids("cases", uids) == 0
    assert ledger_rows.case_ids(uids) == []
    assert not ledger_rows.any_uid("cases", uids)


def test_server_bulk_load_disables_and_puts_back_triggers_and_foreign_keys(server_ctx):
    before = _catalog()
    with database.atomic():
        loader = bulk_load.BulkLoad(["cases", "entries"])
        during = {name: text for _kind, name, text in _catalog()}
        # the search trigger and the kept months' triggers (nothing kept) are disabled,
        # the search index and the entries' foreign key are gone
        for trigger in ("cases_fts_ai", "stats_months_case", "stats_months_entry"):
            assert during[trigger].endswith(" D")
        assert during["cases_fts_au"].endswith(" O")
        assert "cases_fts_doc" not in during
        assert not [n for n in during if n.startswith("entries_case_id")]
        loader.restore()
    assert _catalog() == before


def test_server_bulk_load_keeps_the_month_triggers_while_months_are_kept(server_ctx):
    database.execute_sql(
        "INSERT INTO stats_months (start_at, end_at, sites, zone, judging, settled_at, cases, "
        "part) VALUES ('2026-01', '2026-02', 's', 'z', 'j', '2026-03', 0, '{}')"
    )
    with database.atomic():
        loader = bulk_load.BulkLoad(["cases", "entries"])
        during = {name: text for _kind, name, text in _catalog()}
        assert during["stats_months_case"].endswith(" O")
        assert during["stats_months_entry"].endswith(" O")
        assert during["cases_fts_ai"].endswith(" D")
        loader.restore()

"""The change journal: every table belongs to a topic (or is said to be shown nowhere), and
every write that goes through the database's connection is noted, however it is made."""

from __future__ import annotations

import pytest

from complaints.usecases import cases, settings, storage
from complaints.usecases.changes import OpChanges, recording
from db import changes
from db.models import Case, Setting, database
from desktop.paths import data_paths


def _tables() -> set[str]:
    rows = database.execute_sql("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {name for (name,) in rows if not name.startswith("sqlite_")}


def test_every_table_of_a_migrated_database_has_a_topic_or_is_shown_nowhere(db_path):
    tables = _tables()
    unplaced = tables - set(changes.TABLE_TOPICS) - changes.NOT_SHOWN
    assert not unplaced, f"give these tables a topic in db/changes.py: {sorted(unplaced)}"
    assert set(changes.TABLE_TOPICS) <= tables  # no line for a table that is gone
    assert tables >= changes.NOT_SHOWN
    assert not set(changes.TABLE_TOPICS) & changes.NOT_SHOWN
    assert set(changes.TABLE_TOPICS.values()) <= set(changes.TOPICS)


@pytest.mark.parametrize(
    ("sql", "table"),
    [
        ('INSERT INTO "cases" ("a") VALUES (?)', "cases"),
        ("insert or ignore into main.settings (key) values (1)", "settings"),
        ("INSERT OR REPLACE INTO [ledger_meta] VALUES (1)", "ledger_meta"),
        ("REPLACE INTO users (id) VALUES (1)", "users"),
        ('  UPDATE "entries" SET x = 1', "entries"),
        ("UPDATE OR ROLLBACK sanctions SET x = 1", "sanctions"),
        ('DELETE FROM "main"."printed_forms" WHERE 1', "printed_forms"),
        ("WITH old AS (SELECT 1) DELETE FROM attachments WHERE id IN old", "attachments"),
        ("SELECT * FROM \"cases\" WHERE note = 'UPDATE users'", None),
        ("WITH t AS (SELECT 1) SELECT * FROM t", None),
        ("PRAGMA busy_timeout = 10", None),
        ("INSERT INTO cases_fts (cases_fts, rank) VALUES ('integrity-check', 0)", None),
        ("INSERT INTO cases_fts(cases_fts) VALUES ('rebuild')", None),
        ("INSERT INTO cases_fts (rowid, content) VALUES (1, 'x')", "cases_fts"),
        ("BEGIN IMMEDIATE", None),
    ],
)
def test_the_table_a_statement_writes(sql, table):
    assert changes.written_table(sql) == table


@pytest.mark.sqlite_only("writes through the sqlite3 connection itself, too")
def test_writes_are_noted_however_they_are_made(ctx):
    with recording() as rec:
        Case.select().count()
        values = cases.blank_case(ctx)
        values.update(customer_name="孙丽", content="试驾车辆有异味")
        cases.create_case(ctx, values)
    assert {"cases", "entries"} <= rec.changes().topics  # through peewee's execute_sql
    with recording() as rec:
        Case.select().count()
    assert not rec.changes()  # a read names nothing
    with recording() as rec:
        settings.set_("ui.page_size", 120)
    assert "settings" in rec.changes()
    with recording() as rec:
        database.cursor().executemany("UPDATE sanctions SET id = id WHERE id = ?", [(0,)])
    assert rec.changes() == OpChanges.of("sanctions")
    with recording() as rec:
        database.connection().executemany("DELETE FROM entries WHERE id = ?", [(0,)])
        database.connection().execute("UPDATE users SET id = id WHERE 0")
    assert rec.changes() == OpChanges.of("entries", "users")


def test_a_rolled_back_write_is_still_noted_and_nothing_outside_a_recorder(ctx):
    Setting.delete().where(Setting.key == "nothing").execute()  # no recorder: no cost, no note
    with recording() as rec, pytest.raises(RuntimeError), database.atomic():
        Setting.delete().where(Setting.key == "nothing").execute()
        raise RuntimeError("undone")
    assert "settings" in rec.changes()  # a page refreshes once for nothing, never misses one


def test_nested_recorders_both_hear(ctx):
    with recording() as outer:
        with recording() as inner:
            database.execute_sql("DELETE FROM ledger_conflicts WHERE 1 = 0")
        database.execute_sql("DELETE FROM volumes WHERE 1 = 0")
    assert inner.changes() == OpChanges.of("ledger")
    assert outer.changes() == OpChanges.of("ledger", "settings")


def test_tables_shown_nowhere_change_no_topic(ctx):
    with recording() as rec:
        database.execute_sql("DELETE FROM stats_summaries WHERE 1 = 0")
    assert not rec.changes()


def test_a_table_the_journal_does_not_know_refreshes_everything(ctx):
    database.execute_sql("CREATE TABLE scratch (x INTEGER)")
    with recording() as rec:
        database.execute_sql("INSERT INTO scratch VALUES (1)")
    assert rec.changes() == OpChanges.everything()


@pytest.mark.sqlite_only("restores a SQLite backup file into the data folder")
def test_a_restore_notes_everything(site_db, tmp_path):
    paths = data_paths(site_db.parent)
    saved = storage.backup_now(tmp_path / "saved.sqlite3")
    with recording() as rec:
        storage.restore(saved, paths, "test")
    assert rec.changes() == OpChanges.everything()


def test_topics_said_by_hand_must_be_known():
    with pytest.raises(ValueError, match="unknown topics"):
        changes.note_topics(("nonsense",))
    with pytest.raises(ValueError, match="unknown topics"):
        OpChanges.of("nonsense")

"""Once per office, when two seats of one office server do it at the same moment: the day's
sanctions sweep (``proposals.daily_sweep``: the first does the work, the second waits for
it, then finds the day done and skips; nothing read, proposed or audited twice), and the
site's registration of ``init`` (``site.init_site_once``)."""

from __future__ import annotations

import dataclasses
import threading
from datetime import timedelta

from complaints.usecases import proposals, site
from db.database import close_database, open_server
from db.models import database
from tests.complaints.seats import other_seat
from tests.complaints.test_sanctions_usecases import audit_events, new_case
from tests.conftest import FIXED_NOW


def waiting_for_locks(watcher) -> int:
    """How many sessions of this database wait for a lock now (the server's own view)."""
    return int(
        watcher.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()[0]
    )


def test_two_seats_sweeping_at_once_do_the_work_once(server_ctx, server_address, monkeypatch):
    then = server_ctx.now() - timedelta(days=2)
    old = dataclasses.replace(server_ctx, clock=lambda: then)
    case_ids = [new_case(old, received_at=then) for _ in range(3)]  # overdue since, unswept
    swept: list[int] = []  # the cases each sweep read, as it read them
    real_sync_many = proposals.sync_many

    def counted(ctx, ids, **kw):
        ids = list(ids)
        swept.extend(ids)
        return real_sync_many(ctx, ids, **kw)

    monkeypatch.setattr(proposals, "sync_many", counted)
    reports: list[object] = []
    errors: list[BaseException] = []

    def seat() -> None:
        try:
            reports.append(proposals.daily_sweep(server_ctx))
        except BaseException as e:
            errors.append(e)
        finally:
            database.close()

    holder = other_seat(server_address)  # a third seat saving one of the cases meanwhile
    watcher = other_seat(server_address)
    watcher.autocommit = True
    try:
        holder.execute("SELECT id FROM cases WHERE id = %s FOR UPDATE", (case_ids[-1],))
        seats = [threading.Thread(target=seat) for _ in range(2)]
        for t in seats:
            t.start()
        # one sweep waits for the case, holding the day's mark; the other waits for the mark
        for _ in range(100_000):
            if waiting_for_locks(watcher) == 2:
                break
        else:
            raise AssertionError("the two sweeps never met")
        holder.rollback()
        for t in seats:
            t.join(60)
    finally:
        holder.close()
        watcher.close()
    assert errors == []
    done = [r for r in reports if r is not None]
    assert len(reports) == 2 and len(done) == 1 and None in reports
    assert isinstance(done[0], proposals.SyncReport) and len(done[0].created) == 3
    assert sorted(swept) == sorted(case_ids)  # the second seat read no case
    assert audit_events().count("sanction.propose") == 3  # proposed once each
    rows = database.execute_sql(
        "SELECT case_id, count(*) FROM sanctions GROUP BY case_id ORDER BY case_id"
    ).fetchall()
    assert rows == [(cid, 1) for cid in sorted(case_ids)]
    assert proposals.daily_sweep(server_ctx) is None  # the day is done for every seat


def test_two_seats_registering_the_site_at_once_make_it_once(server_address, tmp_path):
    open_server(server_address, data_folder=tmp_path / "data")  # the schema, no site yet
    made: list[tuple[str, bool]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def seat(name: str) -> None:
        try:
            start.wait(30)
            info, first = site.init_site_once("SH01", name, now=FIXED_NOW)
            made.append((info.name, first))
        except BaseException as e:
            errors.append(e)
        finally:
            database.close()

    try:
        seats = [threading.Thread(target=seat, args=(n,)) for n in ("上海浦东店", "浦东店")]
        for t in seats:
            t.start()
        for t in seats:
            t.join(60)
        assert errors == [] and len(made) == 2
        winner = next(name for name, first in made if first)
        assert sorted(first for _n, first in made) == [False, True]
        assert [name for name, _f in made] == [winner, winner]  # the second found the first's
        assert site.local_site().name == winner
        departments = database.execute_sql("SELECT name FROM departments").fetchall()
        assert len(departments) == len(set(departments)) > 0  # seeded once
    finally:
        close_database()

"""The to-do list's memos kept on this PC between sessions (complaints/usecases/memo_file.py):
a session's first read that takes the file's memo gives what judging every case afresh
gives, after random saves, actions, closings, clock moves, policy and calendar changes, by
this seat and by another connection, on both engines. A file that is corrupt, of another
database, of an older format or code, of another policy or time zone, judged later than the
clock says, or older than the touch log reaches, is ignored: every case is judged afresh."""

from __future__ import annotations

import dataclasses
import json
import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaints.rules.policy import Policy
from complaints.usecases import cases, followup, followup_memo, memo_file, site, todo, todo_memo
from complaints.usecases import policy as policy_uc
from complaints.usecases.context import CHINA_TZ, Context
from db import case_touches
from db.database import close_database, open_database
from db.models import data_folder, database, on_server
from tests.complaints.test_followup_memo import _close as close_for_follow_up
from tests.complaints.test_todo_touches import (
    Clock,
    _afresh_reads,
    _apply,
    _fresh,
    _judged_ids,
    _kept,
    _other,
    other_seat,
    step,
)
from tests.conftest import FIXED_NOW, sh01_context


def _new_session() -> None:
    """What a restart leaves: nothing in memory, the files on disk."""
    todo_memo.clear()
    followup_memo.clear()


def _files() -> list[Path]:
    folder = data_folder()
    assert folder is not None
    return [folder / memo_file.FOLDER / f"{name}.json" for name in ("todo-open", "todo-follow-up")]


def _counting_loads(monkeypatch) -> list[bool]:
    """Each file load's outcome (True: its memo was taken)."""
    loads: list[bool] = []
    load = memo_file.MemoFile.load

    def counting(self, book, tz, now):
        loaded = load(self, book, tz, now)
        loads.append(loaded is not None)
        return loaded

    monkeypatch.setattr(memo_file.MemoFile, "load", counting)
    return loads


def _case(cx: Context, minutes_ago: int = 30) -> int:
    v = cases.blank_case(cx)
    v.update(customer_name="张伟", content="异响", channel="电话热线", business="售后")
    v.update(received_at=cx.now() - timedelta(minutes=minutes_ago))
    return cases.create_case(cx, v).id


restart = st.tuples(st.just("restart"), st.booleans())  # True: the file follows at once


def test_a_first_read_from_the_file_is_what_judging_afresh_gives(engine_ctx, monkeypatch):
    loads = _counting_loads(monkeypatch)
    clock = Clock(engine_ctx.now())
    cx = dataclasses.replace(engine_ctx, clock=clock)
    policy_uc.save(cx, Policy().with_(follow_up=True, d1_clock="office", d5_clock="office"))
    ids: list[int] = []
    todo_memo.clear(stored=True)
    followup_memo.clear(stored=True)

    @settings(
        max_examples=15,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.lists(st.one_of(step, restart, restart), min_size=1, max_size=16))
    def run(ops: list[tuple[object, ...]]) -> None:
        for op in ops:
            if op[0] == "restart":
                # the file as the last afresh read left it, or as the latest read left it
                monkeypatch.setattr(memo_file, "SAVE_EVERY", timedelta(0 if op[1] else 3600))
                _new_session()
            elif op[0] == "late" and ids:
                with other_seat() as seat:
                    _other(seat, "UPDATE cases SET responsible = '慢' WHERE id = ?", [ids[-1]])
                    assert _kept(cx, clock.now) == _fresh(cx, clock.now), op
            else:
                _apply(cx, clock, ids, op)
            assert _kept(cx, clock.now) == _fresh(cx, clock.now), op

    run()
    assert any(loads), "some first reads took the file's memo"
    assert not all(loads), "some files were not valid any more (a policy, a clock set back)"


def test_the_file_is_taken_and_only_what_changed_is_judged(engine_ctx, monkeypatch):
    cx = engine_ctx
    a, b = _case(cx), _case(cx)
    todo_memo.clear(stored=True)
    items = todo.open_deadlines(cx)
    assert all(p.exists() for p in _files())
    cases.update_case(cx, a, {"customer_name": "李四"})
    _new_session()
    judged = _judged_ids(monkeypatch)
    after = todo.open_deadlines(cx)
    assert judged == [(a,)]  # the case written since the file's mark, nothing afresh
    assert next(i.customer_name for i in after if i.case_id == a) == "李四"
    assert [i for i in after if i.case_id == b] == [i for i in items if i.case_id == b]
    todo_memo.clear(stored=True)
    followup_memo.clear(stored=True)
    assert todo.open_deadlines(cx) == after


def _read_afresh_after(cx: Context, change, monkeypatch) -> tuple[list[int], list[bool]]:
    """Read (the files are written), change something, start a new session and read: how
    many reads judged every open case afresh, and whether each file was taken."""
    todo_memo.clear(stored=True)
    followup_memo.clear(stored=True)
    todo.open_deadlines(cx)
    change()
    _new_session()
    calls = _afresh_reads(monkeypatch)
    loads = _counting_loads(monkeypatch)
    before = len(calls)
    items = todo.open_deadlines(cx)
    todo_memo.clear(stored=True)
    followup_memo.clear(stored=True)
    monkeypatch.undo()
    assert todo.open_deadlines(cx) == items  # what a read without any file gives
    return calls[before:], loads


@pytest.mark.parametrize(
    "what",
    [
        "not JSON",
        "truncated",
        "another shape",
        "an older format",
        "other code",
        "another database's file",
        "a mark ahead of the database",
        "a mark that is no mark",
        "policy",
        "clock set back",
        "log pruned past the mark",
        "bulk load",
    ],
)
def test_a_file_that_does_not_hold_is_ignored(engine_ctx, monkeypatch, tmp_path, what):
    clock = Clock(engine_ctx.now())
    cx = dataclasses.replace(engine_ctx, clock=clock)
    _case(cx)
    _case(cx, minutes_ago=300)

    def change() -> None:
        path = _files()[0]
        if what == "not JSON":
            path.write_bytes(b"\x00\xff not json")
        elif what == "truncated":
            path.write_bytes(path.read_bytes()[:-40])
        elif what == "another shape":
            raw = json.loads(path.read_text(encoding="utf-8"))
            raw["kept"][0] = [1, 2]
            path.write_text(json.dumps(raw), encoding="utf-8")
        elif what == "an older format":
            monkeypatch.setattr(memo_file, "FORMAT", memo_file.FORMAT + 1)
        elif what == "other code":
            monkeypatch.setattr(todo_memo._SLOT.stored, "code", "another build")
        elif what == "another database's file":
            # the same schema, epoch and marks as this one's, reached by other writes
            raw = json.loads(path.read_text(encoding="utf-8"))
            witness = raw["witness"]
            witness[1] = [witness[1][0], "0" * 64] if witness[1] else [1, "0" * 64]
            path.write_text(json.dumps(raw), encoding="utf-8")
        elif what in ("a mark ahead of the database", "a mark that is no mark"):
            raw = json.loads(path.read_text(encoding="utf-8"))
            if what == "a mark that is no mark":
                raw["mark"][1] = "1:x:2" if on_server() else "seven"
            elif on_server():  # transaction ids this server has not reached yet
                raw["mark"][1] = "4000000000:4000000000:"
            else:
                raw["mark"][1] += 1_000_000
            path.write_text(json.dumps(raw), encoding="utf-8")
        elif what == "policy":
            policy_uc.save(cx, Policy().with_(at_risk_fraction=0.5))
        elif what == "clock set back":
            clock.now -= timedelta(minutes=5)
        elif what == "log pruned past the mark":
            many = case_touches.KEEP + 2_500
            if on_server():
                database.execute_sql(
                    "INSERT INTO case_touches (case_id) SELECT 1 FROM generate_series(1, ?)",
                    (many,),
                )
            else:
                database.execute_sql(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
                    "INSERT INTO case_touches (case_id) SELECT 1 FROM n",
                    (many,),
                )
        else:
            case_touches.mark_everything()

    calls, loads = _read_afresh_after(cx, change, monkeypatch)
    assert calls == [1]  # every open case judged afresh
    if what not in ("log pruned past the mark", "bulk load"):
        assert loads and not loads[0]  # the file itself was refused
    # else the file may be taken and the touch log says: judge every case afresh


def test_a_valid_file_is_taken(engine_ctx, monkeypatch):
    """The counterpart of the test above: nothing changed, the file is taken."""
    _case(engine_ctx)
    calls, loads = _read_afresh_after(engine_ctx, lambda: None, monkeypatch)
    assert calls == [] and loads[0]


def test_another_time_zone_keeps_its_memo_apart(engine_ctx, monkeypatch):
    _case(engine_ctx)
    todo_memo.clear(stored=True)
    todo.open_deadlines(engine_ctx)
    _new_session()
    other = dataclasses.replace(engine_ctx, tz=CHINA_TZ if engine_ctx.tz is not CHINA_TZ else None)
    loads = _counting_loads(monkeypatch)
    calls = _afresh_reads(monkeypatch)
    todo.open_deadlines(other)
    assert calls == [1] and not any(loads)


def test_a_database_file_put_back_by_hand_is_told_apart(db_path, tmp_path, monkeypatch):
    """A copy of the file taken earlier and put back by hand (not a restore, which changes
    the log's epoch) has the same epoch; written on, it reaches the file's mark with other
    writes: the witness tells it apart."""
    site.init_site("SH01", "上海浦东店", now=FIXED_NOW)
    cx = sh01_context()
    _case(cx)
    close_database()
    copy = tmp_path / "copy.sqlite3"
    shutil.copyfile(db_path, copy)
    open_database(db_path, backup_dir=db_path.parent / "backups")
    for _ in range(3):
        _case(cx)
    todo_memo.clear(stored=True)
    followup_memo.clear(stored=True)
    todo.open_deadlines(cx)  # the files: as of this database's mark
    close_database()
    shutil.copyfile(copy, db_path)
    for suffix in ("-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    open_database(db_path, backup_dir=db_path.parent / "backups")
    # the copy written on as far as the file's mark, with other cases
    seat = sqlite3.connect(db_path)
    with seat:
        (mark,) = seat.execute("SELECT max(seq) FROM case_touches").fetchone()
    seat.close()
    for _ in range(3):
        _case(cx, minutes_ago=5)
    _new_session()
    loads = _counting_loads(monkeypatch)
    calls = _afresh_reads(monkeypatch)
    items = todo.open_deadlines(cx)
    assert mark is not None
    assert calls == [1] and loads[:1] == [False]
    _new_session()
    todo_memo.clear(stored=True)
    assert todo.open_deadlines(cx) == items


def test_a_folder_it_cannot_write_only_means_no_file(db_path, monkeypatch):
    site.init_site("SH01", "上海浦东店", now=FIXED_NOW)
    cx = sh01_context()
    _case(cx)
    blocker = db_path.parent / memo_file.FOLDER
    blocker.write_text("not a folder", encoding="utf-8")
    todo_memo.clear(stored=True)
    items = todo.open_deadlines(cx)
    _new_session()
    assert todo.open_deadlines(cx) == items
    assert blocker.is_file()


def test_the_files_hold_no_customer_name_and_the_list_shows_them(engine_ctx, monkeypatch):
    """The files are a cache on this PC's disk (for the office server too): the customers'
    names stay in the database, read back by id when a file is taken: an open case's and a
    closed case's whose follow-up visit is due."""
    clock = Clock(engine_ctx.now())
    cx = dataclasses.replace(engine_ctx, clock=clock)
    policy_uc.save(cx, Policy().with_(follow_up=True))
    clock.now += timedelta(minutes=1)  # received under the policy with follow-up visits
    a = _case(cx, minutes_ago=0)
    visited = _case(cx, minutes_ago=0)
    cases.update_case(cx, visited, {"customer_name": "王芳"})
    close_for_follow_up(cx, visited)
    for _ in range(60):  # until its visit is on the list
        if followup.due_visits(clock.now, cx.tz):
            break
        clock.now += timedelta(hours=12)
    todo_memo.clear(stored=True)
    followup_memo.clear(stored=True)
    before = todo.open_deadlines(cx)
    names = {i.case_id: i.customer_name for i in before}
    assert names.get(a) == "张伟" and names.get(visited) == "王芳"
    for path in _files():
        assert path.exists()
        text = path.read_text(encoding="utf-8")
        assert "张伟" not in text and "王芳" not in text
    loads = _counting_loads(monkeypatch)
    _new_session()
    assert todo.open_deadlines(cx) == before
    assert loads and all(loads)  # taken from the files

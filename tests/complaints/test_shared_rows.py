"""Two people changing one shared row at once. Two managers deciding one proposed sanction:
the decision holds the proposal's row, so the second one (at another seat of the office
server, or after the first on this PC) is told who decided it and when, and nothing is
decided twice. Two administrators saving one setting: the second waits for the first."""

from __future__ import annotations

import dataclasses
import json
import threading
from datetime import timedelta

import pytest

from complaints.usecases import causes, proposals, sanctions
from complaints.usecases.errors import StaleRecord
from db.models import database
from tests.complaints.seats import other_seat, wait_until_blocked
from tests.complaints.test_sanctions_usecases import new_case, rows, set_liability
from tests.conftest import FIXED_NOW


def _proposal(ctx) -> dict:
    return sanctions.add_manual(
        ctx,
        type="奖励",
        person="姜思远",
        department="服务前台",
        amount=200,
        reason="协助处理群体投诉",
    )


def _audit_count(uid: str, action: str) -> int:
    sql = "SELECT count(*) FROM audit_log WHERE record_uid = ? AND event = ?"
    return database.execute_sql(sql, (uid, action)).fetchone()[0]


def test_the_second_decision_is_told_who_decided_and_when(engine_ctx):
    uid = _proposal(engine_ctx)["uid"]
    gm = dataclasses.replace(engine_ctx, actor="李总")
    sanctions.approve(gm, uid, amount=150)
    deputy = dataclasses.replace(
        engine_ctx, actor="王副总", clock=lambda: FIXED_NOW + timedelta(minutes=5)
    )
    with pytest.raises(StaleRecord, match=r"该奖惩已由 李总 于 2026-11-20 09:30 批准,不能再次审批"):
        sanctions.reject(deputy, uid, "不同意")
    with pytest.raises(StaleRecord, match="已由 李总"):
        sanctions.approve(deputy, uid)
    done = sanctions.get_sanction(uid)
    assert (done["state"], done["amount"], done["decided_by"]) == (sanctions.APPROVED, 150, "李总")
    assert _audit_count(uid, "sanction.approve") == 1 and _audit_count(uid, "sanction.reject") == 0


def test_a_decision_that_waited_for_another_seats_is_refused(server_ctx, server_address):
    s = _proposal(server_ctx)
    outcome: list[BaseException | None] = []
    pid: list[int] = []
    ready = threading.Event()
    second = dataclasses.replace(
        server_ctx, actor="王副总", clock=lambda: FIXED_NOW + timedelta(minutes=6)
    )

    def approve_on_second_seat() -> None:
        try:
            pid.append(database.execute_sql("SELECT pg_backend_pid()").fetchone()[0])
            ready.set()
            sanctions.approve(second, s["uid"], amount=120)
            outcome.append(None)
        except BaseException as e:
            outcome.append(e)
        finally:
            database.close()

    first_seat = other_seat(server_address)
    watcher = other_seat(server_address)
    try:
        # the first seat is approving (its row lock held, as approve holds it)
        first_seat.execute(
            "UPDATE sanctions SET status = '已批准', decided_by = '李总', "
            "decided_at = '2026-11-20T01:35:00+00:00', revision = revision + 1 WHERE id = %s",
            (s["id"],),
        )
        worker = threading.Thread(target=approve_on_second_seat)
        worker.start()
        assert ready.wait(30)
        wait_until_blocked(watcher, pid[0])
        first_seat.commit()
        worker.join(30)
    finally:
        first_seat.close()
        watcher.close()
    assert len(outcome) == 1 and isinstance(outcome[0], StaleRecord), outcome
    assert "该奖惩已由 李总 于 2026-11-20 09:35 批准" in str(outcome[0])
    done = sanctions.get_sanction(s["uid"])
    assert (done["decided_by"], done["amount"]) == ("李总", 200)
    assert _audit_count(s["uid"], "sanction.approve") == 0  # the second wrote nothing


def test_a_setting_changed_at_two_seats_is_changed_in_turn(server_ctx, server_address):
    """The cause list saved while another seat holds it (as its own save does) waits, then
    records in the audit the list it really replaced."""
    causes.save_cause_list(server_ctx, ["维修质量", "服务态度"])
    outcome: list[BaseException | None] = []
    pid: list[int] = []
    ready = threading.Event()
    mine = ["维修质量", "服务态度", "配件供应"]

    def save_on_second_seat() -> None:
        try:
            pid.append(database.execute_sql("SELECT pg_backend_pid()").fetchone()[0])
            ready.set()
            causes.save_cause_list(server_ctx, mine)
            outcome.append(None)
        except BaseException as e:
            outcome.append(e)
        finally:
            database.close()

    first_seat = other_seat(server_address)
    watcher = other_seat(server_address)
    theirs = ["价格/费用"]
    try:
        first_seat.execute("SELECT pg_advisory_xact_lock(7, hashtext(%s))", (causes.KEY,))
        first_seat.execute(
            "UPDATE settings SET value = %s WHERE key = %s",
            (json.dumps(theirs, ensure_ascii=False), causes.KEY),
        )
        worker = threading.Thread(target=save_on_second_seat)
        worker.start()
        assert ready.wait(30)
        wait_until_blocked(watcher, pid[0])
        first_seat.commit()
        worker.join(30)
    finally:
        first_seat.close()
        watcher.close()
    assert outcome == [None]
    assert causes.cause_list() == mine
    (changes,) = database.execute_sql(
        "SELECT changes FROM audit_log WHERE event = 'settings.update' ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert json.loads(changes)[causes.KEY] == [theirs, mine]


def test_proposing_for_a_case_waits_for_another_seat_holding_it(server_ctx, server_address):
    """Two seats bringing one case's proposals in line (the day's sweep at two seats, or a
    sweep and a save) take turns: each would otherwise insert the same new proposal."""
    cid = new_case(server_ctx)
    set_liability(server_ctx, cid, "有责")
    before = [(r["rule"], r["person"]) for r in rows(cid)]
    assert before  # the rule proposed a fine
    outcome: list[BaseException | None] = []
    pid: list[int] = []
    ready = threading.Event()

    def sweep_on_second_seat() -> None:
        try:
            pid.append(database.execute_sql("SELECT pg_backend_pid()").fetchone()[0])
            ready.set()
            proposals.sync_proposals(server_ctx, cid)
            outcome.append(None)
        except BaseException as e:
            outcome.append(e)
        finally:
            database.close()

    first_seat = other_seat(server_address)
    watcher = other_seat(server_address)
    try:
        first_seat.execute("SELECT id FROM cases WHERE id = %s FOR UPDATE", (cid,))
        worker = threading.Thread(target=sweep_on_second_seat)
        worker.start()
        assert ready.wait(30)
        wait_until_blocked(watcher, pid[0])  # the sweep waits for the case
        first_seat.commit()
        worker.join(30)
    finally:
        first_seat.close()
        watcher.close()
    assert outcome == [None]
    assert [(r["rule"], r["person"]) for r in rows(cid)] == before  # nothing twice

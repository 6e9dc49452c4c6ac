"""A save that the office server undid to break a deadlock with another seat is saved again,
and the person never sees the deadlock; other errors are never repeated."""

from __future__ import annotations

import logging

import pytest
from psycopg import errors as pg_errors

from complaints.usecases import cases
from db import retry
from tests.complaints.seats import deadlock


def test_a_save_undone_by_a_deadlock_is_saved_again(server_ctx, server_address, caplog):
    values = cases.blank_case(server_ctx)
    values.update(customer_name="王芳", content="新车交付时漆面有划痕", phone="13900001111")
    case_id = cases.create_case(server_ctx, values).id
    caplog.set_level(logging.INFO, logger="db.retry")
    outcome, other_done = deadlock(
        server_address,
        lambda: cases.update_case(server_ctx, case_id, {"content": "漆面划痕,客户要求补漆"}),
        "UPDATE cases SET plan = '李雷的方案' WHERE id = %s",
        (case_id,),
    )
    assert other_done == [None]
    assert outcome == [None]  # no deadlock reached the person
    case = cases.get_case(case_id)
    assert case["plan"] == "李雷的方案" and case["content"] == "漆面划痕,客户要求补漆"
    undone = [r for r in caplog.records if "undone by the server" in r.getMessage()]
    assert len(undone) == 1 and "deadlock" in undone[0].getMessage()


def test_only_the_servers_conflicts_are_run_again():
    calls: list[int] = []

    @retry.retried
    def refused() -> None:
        calls.append(1)
        raise ValueError("编号已被使用")

    with pytest.raises(ValueError):
        refused()
    assert len(calls) == 1
    assert retry.is_conflict(pg_errors.DeadlockDetected("deadlock detected"))
    assert retry.is_conflict(pg_errors.SerializationFailure("could not serialize access"))
    assert not retry.is_conflict(pg_errors.UniqueViolation("duplicate key"))


def test_a_conflict_that_persists_is_given_up_after_a_few_attempts(monkeypatch):
    calls: list[int] = []
    monkeypatch.setattr(retry, "FIRST_PAUSE_S", 0.0)

    @retry.retried
    def always_undone() -> None:
        calls.append(1)
        raise pg_errors.SerializationFailure("could not serialize access")

    with pytest.raises(pg_errors.SerializationFailure):
        always_undone()
    assert len(calls) == retry.ATTEMPTS

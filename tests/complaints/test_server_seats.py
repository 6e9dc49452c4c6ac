"""Several seats on one office server: a save that waited for another seat's save of the
same case is refused with who and when (the typed values stay with the editor, who gets the
refusal before anything is written), and two seats numbering cases at once get two numbers."""

from __future__ import annotations

import dataclasses
import threading
from datetime import timedelta

from complaints.usecases import cases
from complaints.usecases.errors import StaleRecord
from db.models import database
from tests.complaints.seats import other_seat, wait_until_blocked
from tests.conftest import FIXED_NOW


def test_a_save_that_waited_for_another_seats_save_is_refused(server_ctx, server_address):
    values = cases.blank_case(server_ctx)
    values.update(customer_name="王芳", content="新车交付时漆面有划痕", phone="13900001111")
    case_id = cases.create_case(server_ctx, values).id
    opened = cases.version_of(cases.get_case(case_id))
    second = dataclasses.replace(
        server_ctx, actor="韩梅梅", clock=lambda: FIXED_NOW + timedelta(minutes=6)
    )
    outcome: list[BaseException | None] = []
    pid: list[int] = []
    ready = threading.Event()

    def save_on_second_seat():
        try:
            pid.append(database.execute_sql("SELECT pg_backend_pid()").fetchone()[0])
            ready.set()
            cases.update_case(second, case_id, {"plan": "韩梅梅的方案"}, expected_version=opened)
            outcome.append(None)
        except BaseException as e:
            outcome.append(e)
        finally:
            database.close()

    first_seat = other_seat(server_address)
    watcher = other_seat(server_address)
    try:
        # the first seat is saving (its row lock held, as update_case holds it)
        first_seat.execute(
            "UPDATE cases SET plan = '李雷的方案', revision = revision + 1, "
            "modified_at = '2026-11-20T01:35:00+00:00' WHERE id = %s",
            (case_id,),
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
    assert len(outcome) == 1 and isinstance(outcome[0], StaleRecord), outcome
    assert "已被他人修改" in str(outcome[0]) and "您的修改尚未保存" in str(outcome[0])
    assert cases.get_case(case_id)["plan"] == "李雷的方案"


def test_two_seats_numbering_cases_at_once_get_two_numbers(server_ctx):
    numbers: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def register(actor: str):
        try:
            cx = dataclasses.replace(server_ctx, actor=actor)
            v = cases.blank_case(cx)
            v.update(customer_name=actor, content="异响")
            start.wait(30)
            numbers.append(cases.create_case(cx, v).number)
        except BaseException as e:
            errors.append(e)
        finally:
            database.close()

    seats = [threading.Thread(target=register, args=(a,)) for a in ("李雷", "韩梅梅")]
    for t in seats:
        t.start()
    for t in seats:
        t.join(60)
    assert not errors
    assert sorted(numbers) == ["SH01-202611-0001", "SH01-202611-0002"]

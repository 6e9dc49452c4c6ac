"""The demo data: deterministic, complete, valid, and consistent with the policy's workflow."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter, defaultdict
from datetime import timedelta

import pytest

from complaints.rules import deadline_rules, deadlines, workflow
from complaints.rules.policy import Policy
from complaints.rules.validation import phone_problems, validate_case, vin_check_digit
from complaints.types import (
    Action,
    Business,
    Channel,
    FmcStatus,
    Gender,
    Initiative,
    Kind,
    Liability,
    Satisfaction,
    ServiceArea,
    Severity,
    State,
)
from complaints.usecases import cases, demo, site
from complaints.usecases import policy as policy_uc
from complaints.usecases.context import CHINA_TZ
from complaints.usecases.demo_data import DEMO_STAFF
from db import check, server_check
from db.database import close_database, open_database
from db.models import Department, Staff, database, on_server
from db.timeutil import from_db

N = 600


def _cs(ctx):
    return dataclasses.replace(ctx, roles=frozenset({"客服经理"}))


def _dump() -> tuple[list, list]:
    return (
        database.execute_sql("SELECT * FROM cases ORDER BY id").fetchall(),
        database.execute_sql("SELECT * FROM entries ORDER BY id").fetchall(),
    )


@pytest.fixture
def loaded(ctx, load_demo_copy):
    report = load_demo_copy(N, 7, _cs(ctx).roles)
    return ctx, report


def _all_cases() -> list[dict]:
    return [cases.get_case(i) for (i,) in database.execute_sql("SELECT id FROM cases ORDER BY id")]


def _entries_by_case() -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = defaultdict(list)
    for (
        cid,
        eid,
        at,
        action,
        note,
        dept,
        person,
        sat,
        not_contacted,
        status,
    ) in database.execute_sql(
        "SELECT case_id, id, at, action, note, department, person, satisfaction, "
        "not_contacted, fmc_status FROM entries ORDER BY case_id, at, id"
    ):
        out[cid].append(
            {
                "id": eid,
                "at": from_db(at),
                "action": action,
                "note": note,
                "params": {
                    k: v
                    for k, v in (
                        ("department", dept),
                        ("person", person),
                        ("satisfaction", sat),
                        ("status", status),
                        ("not_contacted", bool(not_contacted)),
                    )
                    if v
                },
            }
        )
    return out


def test_same_seed_same_data_other_seed_other_data(ctx, tmp_path):
    demo.load_demo(_cs(ctx), 300, seed=11)
    first = _dump()
    for seed, same in ((11, True), (12, False)):
        close_database()
        open_database(tmp_path / f"again{seed}" / "db.sqlite3")
        site.init_site("SH01", "上海浦东店", now=ctx.now())
        demo.load_demo(_cs(ctx), 300, seed=seed)
        assert (_dump() == first) is same


def test_report_and_progress(ctx):
    seen = []
    report = demo.load_demo(
        _cs(ctx), 450, seed=3, progress=lambda d, t: seen.append((d, t)), batch_size=200
    )
    assert (
        report.cases == 450
        and report.entries == database.execute_sql("SELECT count(*) FROM entries").fetchone()[0]
    )
    assert seen[0] == (0, 450) and seen[-1] == (450, 450)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert report.first_number.startswith("SH01-2025") and report.last_number.startswith(
        "SH01-202611-"
    )


def test_cancel_keeps_the_batches_written(ctx):
    calls = []
    report = demo.load_demo(
        _cs(ctx), 500, seed=3, batch_size=200, cancelled=lambda: calls.append(1) or len(calls) > 2
    )
    assert report.cases == 400
    assert database.execute_sql("SELECT count(*) FROM cases").fetchone()[0] == 400


def test_every_value_appears(loaded):
    rows = _all_cases()
    for column, enum in (
        ("channel", Channel),
        ("kind", Kind),
        ("severity", Severity),
        ("initiative", Initiative),
        ("business", Business),
        ("area", ServiceArea),
        ("liability", Liability),
        ("gender", Gender),
        ("state", State),
        ("satisfaction", Satisfaction),
        ("fmc_status", FmcStatus),
    ):
        got = {r[column] for r in rows}
        assert {e.value for e in enum} <= got, column
    assert {r["satisfaction2"] for r in rows} >= {"满意", "不满意"}
    for flag in ("media", "needs_oem", "attitude", "collective"):
        n = sum(r[flag] for r in rows)
        assert 0 < n < N / 2, flag
    assert sum(r["media"] for r in rows) < N * 0.03  # media and collective cases are rare
    assert sum(r["collective"] for r in rows) < N * 0.03
    actions = {a for (a,) in database.execute_sql("SELECT DISTINCT action FROM entries")}
    assert actions == {a.value for a in Action}
    assert {r["department"] for r in rows} - {None} >= {"销售部", "车间", "配件部", "服务前台"}
    assert all(r["cac_number"] for r in rows if r["channel"] == "厂家转发")


def test_values_are_valid(loaded):
    rows = _all_cases()
    for r in rows:
        assert validate_case(r) == [], r["number"]  # not even a warning
        assert re.fullmatch(r"1[3-9]\d{9}", r["phone"]) and not phone_problems(r["phone"])
        if r["vin"]:
            assert r["vin"].startswith("LSG") and r["vin"][8] == vin_check_digit(r["vin"])
        if r["plate"]:
            assert re.fullmatch(r"[\u4e00-\u9fff][A-Z]·[0-9A-Z]{5,6}", r["plate"]), r["plate"]
        assert r["uid"] and r["site"] == "SH01" and r["revision"] >= 1 and not r["deleted"]
        assert 2 <= len(r["customer_name"]) <= 12
    assert sum(r["vin"] is not None for r in rows) > N * 0.8
    plates = [r["plate"] for r in rows if r["plate"]]
    assert sum(p.startswith("沪") for p in plates) > len(plates) * 0.8  # a Shanghai office
    assert len({r["content"] for r in rows}) > N * 0.8  # texts vary
    staff = {(s.name, s.department.name) for s in Staff.select(Staff, Department).join(Department)}
    for r in rows:
        if r["responsible"] and r["department"]:
            assert (r["responsible"], r["department"]) in staff


def test_numbers_follow_the_month_and_time(loaded):
    ctx, _ = loaded
    rows = database.execute_sql("SELECT number, received_at FROM cases ORDER BY id").fetchall()
    per_month = defaultdict(list)
    for number, received in rows:
        m = re.fullmatch(r"SH01-(\d{6})-(\d{4})", number)
        assert m, number
        assert m.group(1) == f"{from_db(received).astimezone(CHINA_TZ):%Y%m}"
        per_month[m.group(1)].append(int(m.group(2)))
    for seqs in per_month.values():
        assert seqs == list(range(1, len(seqs) + 1))
    assert [r[1] for r in rows] == sorted(r[1] for r in rows)
    # Twelve months up to today, the current month and the last days included.
    now = ctx.now()
    assert f"{now:%Y%m}" in per_month and len(per_month) in (12, 13)
    received = [from_db(r[1]) for r in rows]
    assert max(received) <= now and max(received) > now - timedelta(days=1)
    assert min(received) > now - timedelta(days=366)


def test_a_second_load_continues_the_numbers(loaded):
    ctx, _ = loaded
    more = demo.load_demo(_cs(ctx), 40, seed=7)  # the same seed again: new ids
    assert more.cases == 40
    numbers = [n for (n,) in database.execute_sql("SELECT number FROM cases")]
    assert len(numbers) == len(set(numbers)) == N + 40
    assert demo.ensure_demo_staff() == 0  # staff added once
    assert Staff.select().count() == sum(len(p) for p in DEMO_STAFF.values())


def test_entries_follow_the_workflow(loaded):
    ctx, _ = loaded
    now = ctx.now()
    by_case = _entries_by_case()
    for case in _all_cases():
        entries = by_case[case["id"]]
        assert [e["at"] for e in entries] == sorted(e["at"] for e in entries)
        assert entries[0]["action"] == "登记" and entries[0]["at"] == case["received_at"]
        assert all(e["at"] <= now for e in entries)
        state = State.REGISTERED.value
        visits = policy_uc.in_force(case["received_at"]).follow_up  # the demo office's option
        for i, e in enumerate(entries[1:], 1):
            assert "【" not in (e["note"] or ""), e  # values are fields, not tags (issue 16 §4)
            why = workflow.check_transition(
                {**case, "state": state},
                entries[:i],
                e["action"],
                {**e["params"], "note": e["note"]},
                follow_up=visits,
            )
            assert why is None, (case["number"], e["action"], why)
            state = workflow.next_state({"state": state}, e["action"])
        assert state == case["state"], case["number"]
        callbacks = [
            e["params"]["satisfaction"] for e in entries if e["action"] in ("回访", "二次回访")
        ]
        assert callbacks[:1] == ([case["satisfaction"]] if case["satisfaction"] else [])
        if case["state"] == "已关闭":
            # a remark (praise, a silk banner) or the follow-up visit may come after the case
            # was closed
            last = [e for e in entries if e["action"] not in ("备注", "跟踪回访")][-1]
            assert last["action"] == "关闭" and case["closed_at"] == last["at"]
        else:
            assert case["closed_at"] is None
            if case["fmc_status"] != "Hold":
                assert case["received_at"] > now - timedelta(days=60)  # open cases are recent
        fmc = [e["params"]["status"] for e in entries if e["action"] == "FMC状态"]
        reported = any(e["action"] == "上报厂家" for e in entries)
        assert case["fmc_status"] == (fmc[-1] if fmc else "On-going" if reported else None)
        if case["channel"] == "厂家转发" or case["needs_oem"] or case["severity"] == "重大投诉":
            assert reported or case["state"] != "已关闭"  # D2: every such case goes to the OEM
        if case["state"] in ("已处理", "回访", "已关闭"):
            assert case["plan"] and case["handled_date"]
        if case["state"] != "登记":
            assert case["department"]


def test_deadlines_mostly_met_some_missed(loaded):
    ctx, _ = loaded
    policy = Policy()
    by_case = _entries_by_case()
    met, due = Counter(), Counter()
    for case in _all_cases():
        for d in deadline_rules.all_deadlines(
            case, by_case[case["id"]], policy, ctx.now(), CHINA_TZ
        ):
            if d.status.counts:
                due[d.rule] += 1
                met[d.rule] += d.status is deadlines.DeadlineStatus.MET
    assert set(due) == {f"D{i}" for i in range(1, 12)}
    rates = {rule: met[rule] / due[rule] for rule in due}
    overall = sum(met.values()) / sum(due.values())
    assert 0.75 < overall < 0.97, rates
    assert all(rate > 0.5 for rule, rate in rates.items() if due[rule] >= 20), rates
    assert sum(due.values()) - sum(met.values()) > 50  # some missed


def test_storage_checks_pass(loaded):
    if on_server():  # the server enforces foreign keys itself
        assert server_check.integrity() == []
        assert server_check.search_index() == []
    else:
        assert check.integrity() == []
        assert check.foreign_keys() == []
        assert check.search_index() == []
    some = database.execute_sql("SELECT id, content FROM cases WHERE id = 42").fetchone()
    assert some[0] in cases.search(some[1][-8:-2])


def test_demo_enters_the_business_volume_of_past_months(loaded):
    from complaints.usecases import stats

    ctx, _ = loaded
    this_month = ctx.local(ctx.now()).strftime("%Y-%m")
    months = sorted({ctx.local(c["received_at"]).strftime("%Y-%m") for c in _all_cases()})
    vols = stats.volumes(["SH01"], months)
    assert ("SH01", this_month) not in vols  # known at month end
    past = [m for m in months if m < this_month]
    assert past and all(("SH01", m) in vols for m in past)
    assert all(v.service_visits > 0 and v.new_car_sales > 0 for v in vols.values())

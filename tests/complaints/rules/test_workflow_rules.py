"""States and transitions of policy.md §3, R1 routing, the policy value and the note codec."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from complaints.rules.deadlines import CST
from complaints.rules.policy import POLICY_FIELDS, Policy, policy_problems
from complaints.rules.routing import propose_department
from complaints.rules.workflow import (
    allowed_actions,
    check_transition,
    decode_note,
    encode_note,
    next_state,
)
from complaints.types import Action as A
from complaints.types import State

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=CST)


def ent(action, minutes, note=""):
    return {"at": T0 + timedelta(minutes=minutes), "action": action, "note": note}


def test_happy_path_and_states():
    c = {"state": "登记"}
    assert next_state(c, "派单") == "已派单"
    assert next_state({"state": "已派单"}, "联系客户") == "已联系"
    assert next_state({"state": "已联系"}, "处理完成") == "已处理"
    assert next_state({"state": "已处理"}, "回访") == "回访"
    assert next_state({"state": "回访"}, "关闭") == "已关闭"
    assert next_state({"state": "已联系"}, "备注") == "已联系"


def test_registered_offers_the_early_actions_only():
    acts = allowed_actions({"state": "登记"}, [])
    assert {A.DISPATCH, A.CONTACT, A.HANDLED, A.NOTE, A.FMC_STATUS} <= acts
    assert A.CALLBACK not in acts and A.CLOSE not in acts and A.REOPEN not in acts
    assert A.RECEIVED not in acts
    assert "回访" in check_transition({"state": "登记"}, [], A.CALLBACK)


def test_unhappy_callback_must_reopen_not_close():
    c = {"state": "回访"}
    es = [ent("处理完成", 10), ent("回访", 20, encode_note("回访", {"satisfaction": "不满意"}))]
    assert "重开" in check_transition(c, es, A.CLOSE)
    assert check_transition(c, es, A.REOPEN) is None
    happy = [ent("处理完成", 10), ent("回访", 20, encode_note("回访", {"satisfaction": "一般"}))]
    assert check_transition(c, happy, A.CLOSE) is None
    assert "不满意" in check_transition(c, happy, A.REOPEN)


def test_second_callback_after_reopen_and_rehandling():
    es = [ent("处理完成", 10), ent("回访", 20, "【满意度:非常不满意】"), ent("重开", 21)]
    assert "再次处理" in check_transition({"state": "已重开"}, es, A.SECOND_CALLBACK)
    assert check_transition({"state": "已重开"}, es, A.DISPATCH) is None  # back to the manager
    es.append(ent("处理完成", 100))
    assert "二次回访" in check_transition({"state": "已处理"}, es, A.CALLBACK)
    assert (
        check_transition({"state": "已处理"}, es, A.SECOND_CALLBACK, {"satisfaction": "不满意"})
        is None
    )
    es.append(ent("二次回访", 120, "【满意度:不满意】"))
    # still dissatisfied after the second callback: may close (S6 follows) or reopen again
    assert check_transition({"state": "回访"}, es, A.CLOSE) is None
    assert check_transition({"state": "回访"}, es, A.REOPEN) is None


def test_second_callback_refused_without_reopen():
    assert "重开" in check_transition({"state": "已处理"}, [ent("处理完成", 1)], A.SECOND_CALLBACK)


def test_closed_case_takes_only_notes_and_fmc():
    assert allowed_actions({"state": "已关闭"}, []) == {A.NOTE, A.FMC_STATUS}
    assert "已关闭" in check_transition({"state": "已关闭"}, [], A.CONTACT)
    assert "删除" in check_transition({"state": "登记", "deleted": True}, [], A.NOTE)


@pytest.mark.parametrize(
    "action,params,word",
    [
        (A.DISPATCH, {}, "部门"),
        (A.NAME_RESPONSIBLE, {"person": " "}, "责任人"),
        (A.FMC_STATUS, {"status": "Open"}, "FMC"),
        (A.NOTE, {"note": ""}, "备注"),
    ],
)
def test_parameters_are_checked(action, params, word):
    assert word in check_transition({"state": "登记"}, [], action, params)


def test_callback_needs_one_of_five_levels():
    c = {"state": "已处理"}
    assert "满意度" in check_transition(c, [], A.CALLBACK, {"satisfaction": "还行"})
    assert check_transition(c, [], A.CALLBACK, {"satisfaction": "非常满意"}) is None


def test_closing_without_callback_needs_a_reason():
    c = {"state": "已处理"}
    assert "原因" in check_transition(c, [], A.CLOSE, {"note": ""})
    assert check_transition(c, [], A.CLOSE, {"note": "客户电话停机,三次未接通"}) is None


def test_note_codec_round_trip():
    n = encode_note("回访", {"satisfaction": "不满意"}, "客户认为【未】解决", reason="外出")
    assert n.startswith("【满意度:不满意】【补录原因:外出】")
    params, free = decode_note("回访", n)
    assert params == {"satisfaction": "不满意", "reason": "外出"} and free == "客户认为【未】解决"
    f = encode_note("FMC状态", {"status": "In process"}, "厂家已出方案")
    assert f.startswith("In process")
    assert decode_note("FMC状态", f) == ({"status": "In process"}, "厂家已出方案")
    assert decode_note("FMC状态", "Hold") == ({"status": "Hold"}, "")
    # a callback typed by hand in another office's ledger
    assert decode_note("回访", "非常不满意,要求退车")[0] == {"satisfaction": "非常不满意"}


def test_routing_r1():
    p = Policy()
    assert propose_department("销售", None, p) == "销售部"
    assert propose_department("售后", None, p) == "售后服务部"
    assert propose_department("售后", "配件", p) == "配件部"
    assert propose_department("售后", "维修技术", p) == "车间"
    assert propose_department("售后", "前台服务", p) == "服务前台"
    assert propose_department(None, None, p) is None
    custom = p.with_(routing=(("销售", "", "销售二部"),))
    assert propose_department("销售", "配件", custom) == "销售二部"


def test_policy_defaults_round_trip_and_labels():
    p = Policy()
    assert (p.d1_hours, p.d2_hours, p.d2_media_hours, p.d3_minutes, p.d10_days) == (2, 4, 2, 5, 3)
    assert p.at_risk_fraction == 0.25 and p.s11 == 300 and (p.s6_min, p.s6_max) == (20, 50)
    assert Policy.from_dict(p.to_dict()) == p
    assert Policy.from_dict({"d1_hours": 3, "unknown": 1}).d1_hours == 3
    assert all(f.label for f in POLICY_FIELDS)
    assert {f.rule for f in POLICY_FIELDS} >= {f"D{i}" for i in range(1, 12)}


def test_policy_problems():
    assert policy_problems(Policy()) == []
    bad = Policy().with_(d1_hours=0, s6_min=60, d4_cutoff="24:00", at_risk_fraction=1.5)
    msgs = "\n".join(policy_problems(bad))
    assert "D1" in msgs and "下限" in msgs and "D4" in msgs and "0 与 1" in msgs
    assert policy_problems(Policy().with_(s6_default=10))  # default outside its range
    assert policy_problems(Policy().with_(s1_grumble=-1))


# --- any sequence the rules allow keeps the case coherent -----------------------------------

PARAMS = {
    A.DISPATCH: {"department": "车间"},
    A.NAME_RESPONSIBLE: {"person": "李四"},
    A.FMC_STATUS: {"status": "Hold"},
}


@settings(max_examples=200)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([a for a in A if a is not A.RECEIVED]),
            st.sampled_from(["满意", "一般", "不满意", "非常不满意"]),
        ),
        max_size=25,
    )
)
def test_allowed_sequences_stay_coherent(steps):
    case, entries = {"state": "登记"}, []
    for i, (action, sat) in enumerate(steps):
        params = {**PARAMS.get(action, {}), "satisfaction": sat, "note": "原因"}
        allowed = check_transition(case, entries, action, params) is None
        assert allowed == (action in allowed_actions(case, entries))
        if not allowed:
            continue
        note = encode_note(action.value, {"satisfaction": sat} if "回访" in action.value else {})
        entries.append({"at": T0 + timedelta(minutes=i), "action": action.value, "note": note})
        case = {"state": next_state(case, action.value)}
        assert case["state"] in {s.value for s in State}
        acts = [e["action"] for e in entries]
        if action is A.SECOND_CALLBACK:
            assert "重开" in acts
        if action is A.REOPEN:
            last_cb = [e for e in entries[:-1] if e["action"] in ("回访", "二次回访")][-1]
            assert "不满意" in last_cb["note"]
        if action is A.CALLBACK:
            assert "重开" not in acts and acts.count("回访") == 1
        if case["state"] == "已关闭":
            assert allowed_actions(case, entries) == {A.NOTE, A.FMC_STATUS}

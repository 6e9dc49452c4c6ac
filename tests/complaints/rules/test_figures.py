"""Every figure of the monthly review against a small dataset worked out by hand.

October 2026 (Asia/Shanghai, +08:00), judged as of 2026-11-20 09:30:
  case 1  现场, 投诉, 一般, 售后, 车间, 有责, closed: escalated 10:03, contacted 10:30,
          handled 20:00, callback 满意 next day, closed 10-07.
  case 2  售后回访, 抱怨, 一般, 售后, 配件部, 无责, closed: 派单 09:30, 责任人 10:00, contact
          11:00, handled next day 12:00 (D7 late), callback 不满意 → reopened, handled
          again, second callback 满意, closed.
  case 3  厂家转发, 投诉, 重大, 销售, 销售部, 待定, open: contact 15:00 (D9 late),
          reported to the OEM 19:00 (D2 late).
  case 4  电话热线 (on-site rules), 抱怨, 一般, 售后, no department, 待定, 登记 at 23:30 on
          31 Oct: nothing done (D1, D3, D4 missed).
  case 8  received 1 Nov 00:00 local: not October.
Earlier: case 5 (Sept, closed 3 Oct: carried over), case 6 (Sept, still open: carried over and
open at the end), case 7 (Sept, closed in Sept: not carried).
"""

from datetime import date, datetime, timedelta, timezone

import pytest

from complaints.rules import figures as fig
from complaints.rules import headline
from complaints.rules.periods import parse_period
from complaints.rules.policy import Policy

CST = timezone(timedelta(hours=8))
AS_OF = datetime(2026, 11, 20, 9, 30, tzinfo=CST)
OCT = parse_period("2026-10")


def t(month, day, h, m=0):
    return datetime(2026, month, day, h, m, tzinfo=CST)


def case(
    cid,
    received,
    channel,
    kind,
    severity,
    business,
    department,
    liability,
    state,
    closed=None,
    phone=None,
    vin=None,
):
    return {
        "id": cid,
        "received_at": received,
        "channel": channel,
        "kind": kind,
        "severity": severity,
        "business": business,
        "department": department,
        "liability": liability,
        "state": state,
        "closed_at": closed,
        "phone": phone,
        "vin": vin,
        "media": False,
        "needs_oem": False,
        "satisfaction": None,
        "satisfaction2": None,
    }


def e(at, action, note=""):
    return {"at": at, "action": action, "note": note}


CASES = [
    case(
        1,
        t(10, 5, 10),
        "现场",
        "投诉",
        "一般投诉",
        "售后",
        "车间",
        "有责",
        "已关闭",
        closed=t(10, 7, 12),
        phone="13800000001",
        vin="V1",
    ),
    case(
        2,
        t(10, 10, 9),
        "售后回访",
        "抱怨",
        "一般投诉",
        "售后",
        "配件部",
        "无责",
        "已关闭",
        closed=t(10, 14, 10),
        phone="13800000002",
        vin="V2",
    ),
    case(
        3,
        t(10, 20, 14),
        "厂家转发",
        "投诉",
        "重大投诉",
        "销售",
        "销售部",
        "待定",
        "已联系",
        phone="13800000001",
        vin="V3",
    ),
    case(
        4,
        t(10, 31, 23, 30),
        "电话热线",
        "抱怨",
        "一般投诉",
        "售后",
        None,
        "待定",
        "登记",
        phone="13900000004",
        vin="v3",
    ),
    case(
        8,
        t(11, 1, 0),
        "现场",
        "投诉",
        "一般投诉",
        "售后",
        "车间",
        "待定",
        "登记",
        phone="13800000002",
    ),
]
ENTRIES = {
    1: [
        e(t(10, 5, 10, 3), "升级"),
        e(t(10, 5, 10, 30), "联系客户"),
        e(t(10, 5, 20), "处理完成"),
        e(t(10, 6, 10), "回访", "【满意度:满意】客户认可"),
        e(t(10, 7, 12), "关闭"),
    ],
    2: [
        e(t(10, 10, 9, 30), "派单", "【部门:配件部】"),
        e(t(10, 10, 10), "指定责任人"),
        e(t(10, 10, 11), "联系客户"),
        e(t(10, 11, 12), "处理完成"),
        e(t(10, 12, 9), "回访", "【满意度:不满意】"),
        e(t(10, 12, 9, 10), "重开"),
        e(t(10, 13, 9), "处理完成"),
        e(t(10, 14, 9), "二次回访", "【满意度:满意】"),
        e(t(10, 14, 10), "关闭"),
    ],
    3: [e(t(10, 20, 15), "联系客户"), e(t(10, 20, 19), "上报厂家")],
    8: [e(t(11, 1, 0, 30), "联系客户")],
}
EARLIER = [
    {"id": 5, "received_at": t(9, 28, 10), "closed_at": t(10, 3, 9)},
    {"id": 6, "received_at": t(9, 15, 10), "closed_at": None},
    {"id": 7, "received_at": t(9, 1, 10), "closed_at": t(9, 20, 10)},
]


def s(kind, dept, person, amount, day, status="已批准"):
    return {
        "type": kind,
        "department": dept,
        "person": person,
        "amount": amount,
        "date": day,
        "status": status,
    }


SANCTIONS = [
    s("罚款", "车间", "张三", 100, date(2026, 10, 8)),
    s("罚款", "车间", "张三", 50, date(2026, 10, 9)),
    s("罚款", "车间", "李四", 20, date(2026, 10, 15)),
    s("奖励", "销售部", "王五", 300, date(2026, 10, 21)),
    s("罚款", "车间", "张三", 100, date(2026, 10, 22), status="待审批"),  # not approved
    s("罚款", "配件部", "赵六", 20, date(2026, 11, 1)),  # November
]


@pytest.fixture(scope="module")
def f():
    return fig.compute(
        OCT, ("SH01",), CASES, ENTRIES, EARLIER, SANCTIONS, lambda _at: Policy(), AS_OF, CST
    )


def test_counts_by_classification(f):
    assert f.case_ids == [1, 2, 3, 4]  # case 8 was received on 1 Nov local time
    ch = {k: v for k, v in f.by["channel"].items() if v}
    assert ch == {"现场": [1], "售后回访": [2], "厂家转发": [3], "电话热线": [4]}
    assert list(f.by["channel"]) == [
        "现场",
        "销售回访",
        "售后回访",
        "厂家转发",
        "电话热线",
        "网络/邮件",
        "其他",
    ]  # every channel, in order
    assert f.by["kind"] == {"抱怨": [2, 4], "投诉": [1, 3]}
    assert f.by["severity"] == {"一般投诉": [1, 2, 4], "重大投诉": [3]}
    assert f.by["business"] == {"销售": [3], "售后": [1, 2, 4]}
    assert f.by["department"] == {"车间": [1], "配件部": [2], "销售部": [3], "未派单": [4]}
    assert f.by["liability"] == {"待定": [3, 4], "有责": [1], "无责": [2]}
    assert {k: v for k, v in f.by["state"].items() if v} == {
        "登记": [4],
        "已联系": [3],
        "已关闭": [1, 2],
    }


def test_carried_over_and_open_at_end(f):
    assert f.carried_over == [5, 6]  # 5 closed 3 Oct, 6 still open; 7 closed in September
    assert f.open_at_end == [3, 4, 6]


def test_timeliness_per_rule(f):
    got = {r: (x.met, x.late, x.missed) for r, x in f.timeliness.items()}
    assert got == {
        "D1": (2, 0, 1),  # 1: contact 0.5 h ≤ 2 h; 2: contact at exactly 2 h; 4: none → missed
        "D2": (0, 1, 0),  # 3: major, reported 5 h after (limit 4 h)
        "D3": (1, 0, 1),  # 1: escalated after 3 min; 4: never
        "D4": (1, 0, 1),  # 1: handled 20:00 same day; 4: nothing by 23:59:59
        "D5": (1, 0, 0),  # 2: 派单 after 30 min ≤ 1 h
        "D6": (1, 0, 0),  # 2: named 10:00, contacted 11:00 ≤ 派单 + 2 h = 11:30
        "D7": (0, 1, 0),  # 2: handled 26.5 h after 派单 (limit 24 h)
        "D9": (0, 1, 0),  # 3: contact after 60 min (limit 30 min)
        "D10": (1, 0, 0),  # 2: reopened on 12 Oct 09:00, handled again 13 Oct (≤ 3 days)
        "D11": (2, 0, 0),  # 1: callback 14 h after handling (≤ 36 h); 2: 21 h (≤ 3 days)
    }  # D8 nothing due; D11 of cases 3 and 4 still waiting for handling: not counted
    assert f.timeliness["D1"].rate.value == pytest.approx(2 / 3)
    assert f.timeliness["D1"].late_ids == [4]
    # overall: met 2+0+1+1+1+1+0+0+1+2 = 9 of due 3+1+2+2+1+1+1+1+1+2 = 15
    assert (f.overall.met, f.overall.due) == (9, 15)
    assert f.overall.rate.value == pytest.approx(0.6)
    assert f.overall.late_ids == [2, 3, 4]


def test_time_to_contact_and_handling(f):
    # contact: 1 → 0.5 h, 2 → 2 h, 3 → 1 h: mean 3.5/3, median 1
    assert f.contact.n == 3
    assert f.contact.mean == pytest.approx(3.5 / 3)
    assert f.contact.median == pytest.approx(1.0)
    # handling: 1 → 10 h, 2 → 27 h (10 Oct 09:00 → 11 Oct 12:00): mean = median = 18.5
    assert (f.handling.n, f.handling.mean, f.handling.median) == (2, 18.5, 18.5)


def test_satisfaction_and_reopen_rate(f):
    assert f.satisfaction == {
        "非常满意": [],
        "满意": [1],
        "一般": [],
        "不满意": [2],
        "非常不满意": [],
    }  # the first callback of each case
    assert (f.satisfied_share.hits, f.satisfied_share.base) == (1, 2)  # 1 of 2 = 50 %
    assert f.called_back == [1, 2]
    assert f.reopened == [2]
    assert f.reopen_rate.value == pytest.approx(0.5)  # 1 reopened ÷ 2 called back


def test_repeat_complainants(f):
    # 1 and 3 share a phone, 3 and 4 a VIN (case-insensitive): one customer, three cases;
    # case 8 shares case 2's phone but is not an October case.
    assert f.repeat_groups == [[1, 3, 4]]
    assert f.repeat_case_ids == [1, 3, 4]


def test_fines_and_rewards(f):
    # 车间: 100 + 50 + 20 = 170 in 3 fines; 销售部: one reward of 300; the pending fine and the
    # November fine are left out.
    assert f.money_by_department == [
        fig.MoneyRow("销售部", "", 0, 0, 300, 1),
        fig.MoneyRow("车间", "", 170, 3, 0, 0),
    ]
    assert f.money_by_person == [
        fig.MoneyRow("销售部", "王五", 0, 0, 300, 1),
        fig.MoneyRow("车间", "张三", 150, 2, 0, 0),
        fig.MoneyRow("车间", "李四", 20, 1, 0, 0),
    ]
    assert (f.fines_total, f.rewards_total) == (170, 300)


def test_kpis_and_change(f):
    k = headline.kpis(f)
    assert k == {
        "total": 4,
        "complaint_rate": None,
        "complaints": 2,
        "major": 1,
        "carried_over": 2,
        "open_at_end": 3,
        "timeliness": pytest.approx(0.6),
        "contact_hours": pytest.approx(3.5 / 3),
        "handling_hours": 18.5,
        "satisfied_share": 0.5,
        "reopen_rate": 0.5,
        "repeat": 1,
        "fines": 170,
        "rewards": 300,
    }
    before = dict(k, total=6, timeliness=0.75, satisfied_share=None)
    d = headline.change(k, before)
    assert d["total"] == -2  # 4 − 6
    assert d["timeliness"] == pytest.approx(-0.15)  # 60 % − 75 % = −15 points
    assert d["satisfied_share"] is None  # no base last time
    assert headline.change(k, None)["total"] is None
    assert headline.format_kpi("timeliness", 0.6) == "60.0%"
    assert headline.format_change("timeliness", -0.15) == "−15.0 个百分点"
    assert headline.format_kpi("fines", 1700) == "1,700 元"
    assert headline.format_change("total", -2) == "−2 件"
    assert headline.format_kpi("reopen_rate", None) == "—"


def test_empty_period_has_no_rates():
    f = fig.compute(OCT, (), [], {}, [], [], lambda _at: Policy(), AS_OF, CST)
    k = headline.kpis(f)
    assert k["total"] == 0 and k["timeliness"] is None and k["satisfied_share"] is None
    assert k["contact_hours"] is None and f.timeliness == {}


def test_closed_cases_summaries_are_kept_and_reused(f):
    cache: dict = {}
    cases = [dict(c, revision=1, modified_at="m") for c in CASES]
    first = fig.compute(
        OCT,
        (),
        cases,
        ENTRIES,
        EARLIER,
        SANCTIONS,
        lambda _at: Policy(),
        AS_OF,
        CST,
        summaries=cache,
    )
    assert {k[0] for k in cache} == {1, 2}  # the closed cases only
    # Second run: the closed cases need no entries any more.
    again = fig.compute(
        OCT,
        (),
        cases,
        {3: ENTRIES[3]},
        EARLIER,
        SANCTIONS,
        lambda _at: Policy(),
        AS_OF,
        CST,
        summaries=cache,
    )
    for x in (first, again):
        assert headline.kpis(x) == headline.kpis(f)
        assert x.satisfaction == f.satisfaction and x.overall.late_ids == [2, 3, 4]
    # A change to a closed case (new revision) is summarised afresh.
    cases[0] = dict(cases[0], revision=2)
    fig.compute(
        OCT,
        (),
        cases,
        ENTRIES,
        EARLIER,
        SANCTIONS,
        lambda _at: Policy(),
        AS_OF,
        CST,
        summaries=cache,
    )
    assert (1, 2, "m", None) in cache


def test_a_change_too_small_to_show_has_no_sign():
    assert headline.format_change("contact_hours", -0.04) == "±0.0 小时"
    assert headline.format_change("total", 0) == "±0 件"
    assert headline.format_change("timeliness", 0.0004) == "±0.0 个百分点"
    assert headline.format_change("contact_hours", 0.06) == "+0.1 小时"

"""Scorecards against hand counts on a small fixture: five cases, two departments, three
responsible people, two clerks."""

from __future__ import annotations

from complaints.rules.case_summary import CaseSummary
from complaints.rules.deadlines import DeadlineStatus
from complaints.rules.figures import MoneyRow
from complaints.rules.scorecard import Group, ScoreCase, scorecard
from complaints.rules.volume import Volume

MET, LATE, OVER = DeadlineStatus.MET, DeadlineStatus.MET_LATE, DeadlineStatus.OVERDUE


def _sm(outcomes, *, called_back=False, level=None, reopened=False):
    return CaseSummary(None, None, called_back, level, reopened, tuple(outcomes))


CASES = [
    # id, department, responsible, registered by, called back by, closed, summary
    ScoreCase(
        1,
        "车间",
        "张三",
        "客服甲",
        "客服乙",
        True,
        _sm([("D1", MET), ("D4", MET)], called_back=True, level="满意"),
    ),
    ScoreCase(
        2,
        "车间",
        "张三",
        "客服甲",
        "客服甲",
        False,
        _sm([("D1", LATE), ("D4", OVER)], called_back=True, level="不满意", reopened=True),
    ),
    ScoreCase(3, "车间", "李四", "客服乙", None, True, _sm([("D1", MET)])),
    ScoreCase(
        4,
        "销售部",
        "王五",
        "客服甲",
        "客服乙",
        True,
        _sm([("D1", MET), ("D4", MET)], called_back=True, level="非常满意"),
    ),
    ScoreCase(5, None, None, "客服乙", None, False, _sm([])),
]
MONEY_DEPT = [MoneyRow("车间", "", 300, 2, 0, 0), MoneyRow("销售部", "", 0, 0, 200, 1)]
MONEY_PERSON = [MoneyRow("车间", "张三", 300, 2, 0, 0), MoneyRow("销售部", "王五", 0, 0, 200, 1)]
BUSINESS = {"车间": "售后", "销售部": "销售"}


VOLUME = Volume(1000, 50)  # 进厂台次, 新车销售台数


def _card(volume: Volume | None = VOLUME):
    return scorecard(CASES, MONEY_DEPT, MONEY_PERSON, volume, BUSINESS)


def test_department_rows_against_hand_counts():
    card = _card()
    shop = card.row(Group.DEPARTMENT, "车间")
    assert shop is not None
    assert shop.cases == [1, 2, 3]
    # D1: met 1, 3; late 2 → 2/3; D4: met 1, overdue 2 → 1/2; overall 3 met of 5 due
    assert (shop.timeliness["D1"].met, shop.timeliness["D1"].late) == (2, 1)
    assert (shop.timeliness["D4"].met, shop.timeliness["D4"].missed) == (1, 1)
    assert (shop.overall.met, shop.overall.due) == (3, 5)
    assert (shop.satisfaction.hits, shop.satisfaction.base) == (1, 2)
    assert (shop.reopen_rate.hits, shop.reopen_rate.base) == (1, 2)
    assert (shop.closure_rate.hits, shop.closure_rate.base) == (2, 3)
    assert shop.complaint_rate == 3 / 1000  # 售后: over the service visits
    assert (shop.fines, shop.rewards) == (300, 0)
    sales = card.row(Group.DEPARTMENT, "销售部")
    assert sales is not None and sales.complaint_rate == 1 / 50  # 销售: over the cars sold
    assert (sales.fines, sales.rewards) == (0, 200)
    none = card.row(Group.DEPARTMENT, "未派单")
    assert none is not None and none.cases == [5] and none.complaint_rate is None


def test_ranking_by_timeliness_then_satisfaction_nothing_due_last():
    ranked = [(r.name, r.rank) for r in _card().rows[Group.DEPARTMENT]]
    # 销售部 2/2 on time, 车间 3/5, 未派单 nothing due
    assert ranked == [("销售部", 1), ("车间", 2), ("未派单", 3)]


def test_people_rows_and_clerks_count_each_case_once():
    card = _card()
    zhang = card.row(Group.RESPONSIBLE, "张三")
    assert zhang is not None and zhang.cases == [1, 2] and zhang.fines == 300
    assert zhang.complaint_rate is None  # a person has no business volume
    # 李四 1/1 and 王五 2/2 on time: the tie goes to satisfaction (李四 rated none: after)
    assert [r.name for r in card.rows[Group.RESPONSIBLE]] == ["王五", "李四", "张三"]
    assert [r.rank for r in card.rows[Group.RESPONSIBLE]] == [1, 2, 3]
    jia = card.row(Group.CLERK, "客服甲")
    yi = card.row(Group.CLERK, "客服乙")
    assert jia is not None and yi is not None
    assert jia.cases == [1, 2, 4]  # registered 1, 2, 4; called back 2: once
    assert yi.cases == [1, 3, 4, 5]  # registered 3, 5; called back 1, 4


def test_without_volume_no_complaint_rate():
    card = _card(volume=None)
    assert all(r.complaint_rate is None for r in card.rows[Group.DEPARTMENT])

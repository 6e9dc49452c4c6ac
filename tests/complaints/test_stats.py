"""The 统计 use case against a real database: which rows it loads and how it filters them."""

from datetime import date, datetime

import pytest

from complaints.rules.periods import parse_period
from complaints.usecases import stats_review, tracking
from complaints.usecases.cases import create_case
from complaints.usecases.context import CHINA_TZ, Context
from complaints.usecases.errors import PermissionDenied
from db.models import Case, Sanction


def _case(ctx, received, **extra):
    values = {
        "received_at": received,
        "media": False,
        "needs_oem": False,
        "attitude": False,
        "collective": False,
        "channel": "现场",
        "kind": "投诉",
        "severity": "一般投诉",
        "business": "售后",
        "content": "变速箱异响",
        "customer_name": "李先生",
        "phone": "13800000001",
        **extra,
    }
    return create_case(ctx, values).id


def _sanction(site, kind, dept, person, amount, day, status="已批准"):
    Sanction.create(
        uid=f"s-{site}-{person}-{amount}-{day}",
        site=site,
        modified_at=datetime.now(CHINA_TZ),
        type=kind,
        department=dept,
        person=person,
        amount=amount,
        date=day,
        status=status,
    )


@pytest.fixture
def data(ctx):
    t = lambda m, d, h=10: datetime(2026, m, d, h, tzinfo=CHINA_TZ)  # noqa: E731
    ids = {
        "sep_open": _case(ctx, t(9, 20)),
        "oct_a": _case(ctx, t(10, 3), phone="13900000009"),
        "oct_b": _case(ctx, t(10, 18), channel="电话热线", kind="抱怨"),
        "oct_other_site": _case(ctx, t(10, 19)),
        "nov": _case(ctx, t(11, 2)),
    }
    Case.update(site="BJ01").where(Case.id == ids["oct_other_site"]).execute()
    tracking.record_action(ctx, ids["oct_a"], "联系客户", at=t(10, 3, 11), reason="补录")
    _sanction("SH01", "罚款", "车间", "张三", 100, date(2026, 10, 8))
    _sanction("SH01", "罚款", "车间", "张三", 50, date(2026, 10, 9), status="待审批")
    _sanction("BJ01", "奖励", "销售部", "王五", 300, date(2026, 10, 9))
    return ids


def test_review_of_one_site(ctx, data):
    r = stats_review.review(ctx, parse_period("2026-10"), ["SH01"])
    f = r.figures
    assert sorted(f.case_ids) == sorted([data["oct_a"], data["oct_b"]])
    assert f.carried_over == [data["sep_open"]]
    assert f.by["channel"]["电话热线"] == [data["oct_b"]]
    assert (f.contact.n, f.contact.mean) == (1, 1.0)  # 10:00 → 11:00
    assert f.repeat_groups == []  # the other 13800000001 cases are in other periods/sites
    assert (f.fines_total, f.rewards_total) == (100, 0)  # the pending fine is left out
    assert r.kpis["total"] == 2
    assert r.previous["total"] == 1 and r.previous_label == "2026年9月"
    assert r.last_year["total"] == 0 and r.last_year_label == "2025年10月"
    assert r.vs_previous["total"] == 1
    assert r.trend[-3:] == [("2026-08", 0), ("2026-09", 1), ("2026-10", 2)]
    assert len(r.trend) == 12


def test_all_sites_when_none_chosen(ctx, data):
    r = stats_review.review(ctx, parse_period("2026-10"), [])
    assert len(r.figures.case_ids) == 3
    assert (r.figures.fines_total, r.figures.rewards_total) == (100, 300)
    assert stats_review.sites_present() == ["BJ01", "SH01"]


def test_half_month_and_local_boundaries(ctx, data):
    first = stats_review.review(ctx, parse_period("2026-10a"), ["SH01"], compare=False)
    assert first.figures.case_ids == [data["oct_a"]]
    late = _case(ctx, datetime(2026, 10, 31, 23, 59, tzinfo=CHINA_TZ))  # 15:59 UTC
    r = stats_review.review(ctx, parse_period("2026-10b"), ["SH01"], compare=False)
    assert late in r.figures.case_ids
    assert r.trend[-1] == ("2026-10", 3)


def test_case_list_behind_a_figure(ctx, data):
    rows = stats_review.case_list([data["oct_b"], data["oct_a"]])
    assert [r[0] for r in rows] == [data["oct_b"], data["oct_a"]]
    assert rows[0][1].startswith("SH01-202610-")  # number
    assert rows[0][4] == "电话热线"


def test_needs_stats_view(ctx, data):
    nobody = Context(site="SH01", actor="访客", clock=ctx.now, roles=frozenset())
    with pytest.raises(PermissionDenied):
        stats_review.review(nobody, parse_period("2026-10"))


def test_d3_is_judged_as_on_the_case_page_for_a_case_settled_on_the_spot(ctx):
    """D3 does not apply to a case the advisor settled on the spot (当场已解决 at registration):
    the figures read the same case columns as the deadlines on the case page, so such a case
    is not counted late in the timeliness of D3."""
    received = datetime(2026, 10, 12, 10, tzinfo=CHINA_TZ)
    settled = _case(ctx, received, settled_on_site=True)
    unsettled = _case(ctx, received)
    d3 = stats_review.review(ctx, parse_period("2026-10"), ["SH01"]).figures.timeliness["D3"]
    assert unsettled in d3.late_ids and settled not in d3.late_ids
    assert d3.met + d3.late + d3.missed == 1

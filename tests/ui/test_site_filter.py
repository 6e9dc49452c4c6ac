"""The HQ's 站点 filter on every list: pick a site → only that site's rows; hidden while the
database knows a single site."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import pytest

from complaints.rules.permissions import ROLES
from complaints.usecases import cases
from complaints.usecases import sanctions as S
from complaints.usecases.context import CHINA_TZ, Context
from db.models import Sanction
from tests.ui.helpers import idle
from ui.case_list import CaseListPage
from ui.oem import OemPage
from ui.sanctions import SanctionsPage
from ui.todo import TodoPage

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=CHINA_TZ)


def new_case(code: str, name: str) -> int:
    cx = Context(
        site=code, actor="客服小王", clock=lambda: T0, roles=frozenset(ROLES), department="客服部"
    )
    v = cases.blank_case(cx)
    v.update(
        customer_name=name, content="异响", received_at=T0, business="售后", channel="厂家转发"
    )
    return cases.create_case(cx, v).id


def add_sanction(code: str, case_id: int, person: str) -> None:
    Sanction.create(
        uid=str(uuid.uuid4()),
        site=code,
        revision=1,
        modified_at=T0,
        case=case_id,
        rule=None,
        type="罚款",
        department="车间",
        person=person,
        amount=50,
        status=S.PENDING,
        date=date(2026, 11, 20),
        reason="测试",
    )


@pytest.fixture
def two_sites(ctx):
    """Two cases of this office SH01 and one imported from BJ02, each with a sanction."""
    ids = {
        "SH01": [new_case("SH01", "张伟"), new_case("SH01", "李娜")],
        "BJ02": [new_case("BJ02", "王强")],
    }
    for code, cids in ids.items():
        for cid in cids:
            add_sanction(code, cid, f"员工{cid}")
    return ids


def show(qtbot, session, page):
    qtbot.addWidget(page)
    page.resize(1400, 700)
    page.show()
    qtbot.waitUntil(page.site_filter.is_loaded)
    idle(session)
    return page


def test_case_list(qtbot, session, two_sites):
    page = show(qtbot, session, CaseListPage(session))
    sf = page.site_filter
    assert sf.isVisibleTo(page) and sf.codes() == ["SH01", "BJ02"]
    assert sf.combo.itemText(0) == "全部站点" and sf.combo.itemText(1) == "SH01 上海浦东店"
    qtbot.waitUntil(lambda: page.model.rowCount() == 3)
    with qtbot.waitSignal(page.ids_loaded, timeout=5000) as got:
        sf.choose("BJ02")
    assert got.args == [1] and page.model.ids() == two_sites["BJ02"]
    with qtbot.waitSignal(page.ids_loaded, timeout=5000):
        sf.choose("SH01")
    assert sorted(page.model.ids()) == sorted(two_sites["SH01"])
    with qtbot.waitSignal(page.ids_loaded, timeout=5000):
        page.clear_filters()
    assert sf.code() is None and page.model.rowCount() == 3


def test_todo(qtbot, session, two_sites):
    page = show(qtbot, session, TodoPage(session))
    qtbot.waitUntil(lambda: page.data is not None)
    assert {i.site for i in page.shown_items()} == {"SH01", "BJ02"}
    badge = page.badge_count()
    page.site_filter.choose("BJ02")
    shown = page.shown_items()
    assert shown and {i.case_id for i in shown} == set(two_sites["BJ02"])
    col = page.model.columnCount() - 1
    assert {page.model.index(r, col).data() for r in range(page.model.rowCount())} == {"BJ02"}
    assert "站点:BJ02" in page.filters_text()
    assert page.badge_count() == badge  # the navigation count stays every site's


def test_oem(qtbot, session, two_sites):
    page = show(qtbot, session, OemPage(session))
    qtbot.waitUntil(lambda: page.model.now is not None and page.model.rowCount() == 3)
    page.site_filter.choose("SH01")
    qtbot.waitUntil(lambda: page.model.rowCount() == 2)
    assert {r.site for r in page.model.rows} == {"SH01"}
    page.site_filter.choose("BJ02")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    assert [r.case_id for r in page.model.rows] == two_sites["BJ02"]


def test_sanctions(qtbot, session, two_sites):
    page = show(qtbot, session, SanctionsPage(session))
    qtbot.waitUntil(lambda: page.queue.rowCount() == 3 and page.list.rowCount() == 3)
    page.site_filter.choose("BJ02")
    qtbot.waitUntil(lambda: page.list.rowCount() == 1)
    # the tab says what it shows and what the navigation counts (every site's: issue 17 §3)
    assert page.queue.rowCount() == 1 and page.tabs.tabText(0) == "待审批 (1 / 3)"
    assert page.list.item(0, 5).text() == f"员工{two_sites['BJ02'][0]}"
    assert page.badge_count() == 3  # the badge counts every site's proposals
    assert page.summary.text().count("待审批 1 条") == 1  # the month's totals follow
    page.site_filter.choose(None)
    qtbot.waitUntil(lambda: page.list.rowCount() == 3)


def test_hidden_with_one_site(qtbot, session, ctx):
    new_case("SH01", "张伟")
    page = show(qtbot, session, CaseListPage(session))
    assert page.site_filter.isHidden() and page.site_filter.codes() == ["SH01"]
    assert page.current_filter().sites == frozenset()
    new_case("BJ02", "王强")  # a ledger import brings a second office
    session.notify_changed("ledger")
    qtbot.waitUntil(lambda: not page.site_filter.isHidden())
    assert page.site_filter.codes() == ["SH01", "BJ02"]


def test_conflicts(qtbot, session, two_sites):
    from complaints.usecases.exchange import ConflictView, FieldDiff
    from ui.conflicts_page import ConflictsPage

    def view(i: int, code: str) -> ConflictView:
        return ConflictView(
            i,
            f"uid-{i}",
            "投诉台账",
            code,
            f"{code}-202611-000{i}",
            1,
            2,
            f"{code}.xlsx",
            code,
            T0,
            (FieldDiff("投诉内容", "甲", "乙"),),
        )

    page = show(qtbot, session, ConflictsPage(session))
    page._loaded([view(1, "SH01"), view(2, "BJ02"), view(3, "SH01")])
    assert page.list.count() == 3
    page.site_filter.choose("BJ02")
    assert page.list.count() == 1 and [c.id for c in page.conflicts] == [2]
    assert "BJ02-202611-0002" in page.info.text()
    assert page.badge_count() == 3  # every site's conflicts still count
    page.site_filter.choose("SH01")
    assert [c.id for c in page.conflicts] == [1, 3]


def test_the_choice_is_remembered_on_this_pc(qtbot, session, two_sites):
    page = show(qtbot, session, CaseListPage(session))
    with qtbot.waitSignal(page.ids_loaded, timeout=5000):
        page.site_filter.choose("BJ02")
    page.close()
    again = show(qtbot, session, CaseListPage(session))  # the next start
    assert again.site_filter.code() == "BJ02"
    qtbot.waitUntil(lambda: again.model.ids() == two_sites["BJ02"])
    other = show(qtbot, session, TodoPage(session))  # each list keeps its own
    assert other.site_filter.code() is None
    with qtbot.waitSignal(again.ids_loaded, timeout=5000):
        again.clear_filters()
    assert show(qtbot, session, CaseListPage(session)).site_filter.code() is None
    idle(session)

"""The HQ's site filter in the use cases behind the lists: one site, two sites, none = all."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import pytest

from complaints.query import CaseFilter, Sort
from complaints.rules.permissions import ROLES
from complaints.usecases import cases, oem, todo
from complaints.usecases import sanctions as S
from complaints.usecases import site as site_uc
from complaints.usecases.context import CHINA_TZ, Context
from db.models import Department, Sanction, Staff

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=CHINA_TZ)
SITES = ("SH01", "BJ02", "GZ03")


def site_ctx(code: str) -> Context:
    return Context(
        site=code, actor="客服小王", clock=lambda: T0, roles=frozenset(ROLES), department="客服部"
    )


def new_case(code: str, **over) -> int:
    cx = site_ctx(code)
    v = cases.blank_case(cx)
    v.update(
        customer_name="张伟", content="异响", received_at=T0, business="售后", channel="厂家转发"
    )
    v.update(over)
    return cases.create_case(cx, v).id


def add_sanction(code: str, case_id: int | None, person: str) -> None:
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
def three_sites(site_db):
    """One open 厂家转发 case and one pending sanction for each of SH01, BJ02, GZ03."""
    ids = {}
    for code in SITES:
        ids[code] = new_case(code)
        add_sanction(code, ids[code], f"员工{code}")
    return ids


@pytest.mark.parametrize("chosen", [("BJ02",), ("SH01", "GZ03"), ()])
def test_case_ids_by_site(three_sites, chosen):
    got = set(cases.case_ids(CaseFilter(sites=frozenset(chosen)), Sort()))
    assert got == {three_sites[c] for c in (chosen or SITES)}


@pytest.mark.parametrize("chosen", [("BJ02",), ("SH01", "GZ03"), ()])
def test_todo_by_site(three_sites, chosen):
    items = todo.open_deadlines(site_ctx("SH01"), sites=chosen, now=T0)
    assert items and {i.site for i in items} == set(chosen or SITES)
    assert {i.case_id for i in items} == {three_sites[c] for c in (chosen or SITES)}


def test_todo_single_site_argument_still_works(three_sites):
    assert {i.site for i in todo.open_deadlines(site_ctx("SH01"), site="GZ03", now=T0)} == {"GZ03"}
    assert {i.site for i in todo.open_deadlines(site_ctx("SH01"), sites="BJ02", now=T0)} == {
        "BJ02"
    }  # a lone code is a site, not its letters


@pytest.mark.parametrize("chosen", [("BJ02",), ("SH01", "GZ03"), ()])
def test_oem_rows_by_site(three_sites, chosen):
    rows = oem.oem_rows(site_ctx("SH01"), now=T0, sites=chosen)
    assert {r.case_id for r in rows} == {three_sites[c] for c in (chosen or SITES)}


@pytest.mark.parametrize("chosen", ["BJ02", None])
def test_sanctions_by_owning_site(three_sites, chosen):
    rows = S.list_sanctions(S.SanctionFilter(site=chosen))
    assert {r["site"] for r in rows} == ({chosen} if chosen else set(SITES))
    totals = S.month_totals("2026-11", site=chosen)
    assert totals.pending == (1 if chosen else 3)


def test_known_sites(site_db):
    assert [(s.code, s.name, s.local) for s in site_uc.known_sites()] == [
        ("SH01", "上海浦东店", True)
    ]
    new_case("GZ03")
    add_sanction("BJ02", None, "员工")  # a site known only from its sanctions
    got = site_uc.known_sites()
    assert [s.code for s in got] == ["SH01", "BJ02", "GZ03"]  # this office first
    assert got[0].label == "SH01 上海浦东店" and got[2].label == "GZ03"


def test_staff_names_put_the_department_first(site_db):
    from complaints.usecases import demo

    assert site_uc.staff_names("车间") == []  # no staff list kept: the caller falls back
    demo.ensure_demo_staff()
    names = site_uc.staff_names("车间")
    workshop = {s.name for s in Staff.select().join(Department).where(Department.name == "车间")}
    assert workshop and set(names[: len(workshop)]) == workshop
    assert len(names) == len(set(names)) and set(names) == {s.name for s in Staff.select()}

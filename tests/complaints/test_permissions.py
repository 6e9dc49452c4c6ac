"""Every permission under every role: allowed where the table says, refused elsewhere
with a message naming who may, and the refusal audited."""

from pathlib import Path

import pytest

from complaints.rules import permissions as P
from complaints.usecases import audit, auth
from complaints.usecases.context import Context
from complaints.usecases.errors import PermissionDenied
from db.models import database
from tests.conftest import FIXED_NOW

CASES = [(p.name, r) for p in P.PERMISSIONS for r in P.ROLES]
OWN_DEPT = "车间"


def _ctx(role: str, department: str | None = OWN_DEPT) -> Context:
    return Context(
        site="SH01",
        actor=f"{role}甲",
        clock=lambda: FIXED_NOW,
        roles=frozenset({role}),
        department=department,
    )


def _denials() -> list[audit.AuditRow]:
    return audit.entries(event="permission.denied")


@pytest.mark.parametrize(("permission", "role"), CASES)
def test_every_permission_under_every_role(site_db, permission, role):
    ctx = _ctx(role)
    grant = P.BY_NAME[permission].grants.get(role)
    if grant is not None:
        auth.require(ctx, permission, department=OWN_DEPT)
        assert _denials() == []
    else:
        with pytest.raises(PermissionDenied) as e:
            auth.require(ctx, permission, department=OWN_DEPT)
        msg = str(e.value)
        assert msg.startswith("无权" + P.BY_NAME[permission].label)
        assert P.roles_text(P.BY_NAME[permission]) in msg  # names who would be allowed
        assert role in msg  # and the role the person holds
        (entry,) = _denials()
        assert entry.actor == f"{role}甲" and permission in entry.note


@pytest.mark.parametrize(
    "permission", [p.name for p in P.PERMISSIONS if p.grants.get("部门经理") == P.DEPT]
)
def test_department_manager_only_for_own_department(site_db, permission):
    ctx = _ctx("部门经理")
    auth.require(ctx, permission, department="车间")
    with pytest.raises(PermissionDenied, match="此单属于销售部"):
        auth.require(ctx, permission, department="销售部")
    with pytest.raises(PermissionDenied, match="尚未派给任何部门"):
        auth.require(ctx, permission, department=None)
    # the station manager of 售后服务部 reaches its sub-departments
    auth.require(_ctx("部门经理", "售后服务部"), permission, department="车间")
    with pytest.raises(PermissionDenied, match="没有设置所属部门"):
        auth.require(_ctx("部门经理", None), permission, department="车间")
    assert len(_denials()) == 3


def test_policy_powers():
    assert P.allowed({"总经理"}, "sanction.approve")
    assert P.allowed({"总经理"}, "case.set_liability")
    for role in ("客服专员", "客服经理", "部门经理", "管理员"):
        assert not P.allowed({role}, "sanction.approve")
        assert not P.allowed({role}, "case.set_liability")
    assert not P.allowed({"管理员"}, "case.create")
    assert P.allowed({"管理员"}, "users.manage")
    assert P.allowed({"客服专员", "总经理"}, "case.close")  # several roles add up


def test_deny_by_default(site_db):
    assert not P.allowed(set(P.ROLES), "case.fly_to_moon")
    assert not P.allowed(set(), "case.create")
    with pytest.raises(PermissionDenied, match="未定义的操作"):
        auth.require(_ctx("管理员"), "case.fly_to_moon")
    with pytest.raises(PermissionDenied, match="无角色"):
        auth.require(Context(site="SH01", actor="谁", clock=lambda: FIXED_NOW), "case.create")


def test_refusal_is_audited_even_when_the_transaction_rolls_back(site_db):
    with pytest.raises(PermissionDenied), database.atomic():
        database.execute_sql("SELECT count(*) FROM cases").fetchone()
        auth.require(_ctx("客服专员"), "sanction.approve")
    (entry,) = _denials()
    assert "sanction.approve" in entry.note and "总经理" in entry.note
    assert audit.verify_chain() == []


def test_doc_table_matches_code():
    doc = (Path(__file__).parents[2] / "docs" / "permissions.md").read_text(encoding="utf-8")
    assert P.markdown_table() in doc, (
        "docs/permissions.md is out of date: paste the output of "
        "`python -c 'from complaints.rules.permissions import markdown_table as t; print(t())'`"
    )
    assert P.command_markdown_table() in doc, (
        "docs/permissions.md is out of date: paste the output of `python -c 'from "
        "complaints.rules.permissions import command_markdown_table as t; print(t())'`"
    )

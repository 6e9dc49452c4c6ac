"""The permission check as use cases see it, and phone masking in lists."""

from dataclasses import replace

import pytest

from complaints.usecases import audit, auth, cases, settings
from complaints.usecases.errors import PermissionDenied


def test_allowed_does_not_audit_require_does(ctx):
    clerk = replace(ctx, roles=frozenset({"客服专员"}), actor="小王")
    assert not auth.allowed(clerk, "sanction.approve")
    assert audit.entries() == []
    with pytest.raises(PermissionDenied, match="需要总经理"):
        auth.require(clerk, "sanction.approve")
    (e,) = audit.entries()
    assert e.event == "permission.denied" and e.actor == "小王"


def test_department_manager_edits_only_own_department_cases(ctx):
    r = cases.create_case(
        ctx, {**cases.blank_case(ctx), "customer_name": "李", "content": "x", "department": "车间"}
    )
    shop = replace(ctx, roles=frozenset({"部门经理"}), department="车间", actor="车间赵")
    sales = replace(ctx, roles=frozenset({"部门经理"}), department="销售部", actor="销售钱")
    station = replace(ctx, roles=frozenset({"部门经理"}), department="售后服务部", actor="站长")
    cases.update_case(shop, r.id, {"plan": "换件"})
    cases.update_case(station, r.id, {"plan": "换件并道歉"})
    with pytest.raises(PermissionDenied, match="此单属于车间"):
        cases.update_case(sales, r.id, {"plan": "不管"})
    with pytest.raises(PermissionDenied, match="派单"):
        cases.update_case(shop, r.id, {"department": "配件部"})  # re-routing is CS's job
    assert cases.get_case(r.id)["plan"] == "换件并道歉"


def test_phone_masking_per_role_setting(ctx):
    admin = replace(ctx, roles=frozenset({"管理员"}))
    clerk = replace(ctx, roles=frozenset({"客服专员"}))
    assert auth.display_phone(clerk, "13812345678") == "13812345678"
    assert auth.display_phone(admin, "13812345678") == "138****5678"
    settings.set_("privacy.phone_full_roles", ["总经理"])
    assert auth.display_phone(clerk, "13812345678") == "138****5678"
    assert auth.display_phone(clerk, None) == ""

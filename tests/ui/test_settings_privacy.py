"""设置 → 隐私与登录: options saved with permission and audited; 匿名化 names the count."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtWidgets import QMessageBox

from complaints.usecases import audit, cases, settings
from complaints.usecases.errors import PermissionDenied, UseCaseError
from tests.conftest import FIXED_NOW
from ui.settings_privacy import PrivacyTab, save_options


@pytest.fixture
def boxes(monkeypatch):
    said: list[tuple[str, str]] = []
    for kind in ("information", "warning"):
        monkeypatch.setattr(
            QMessageBox,
            kind,
            staticmethod(lambda _p, title, text, *a, kind=kind, **k: said.append((kind, text))),
        )

    def question(_p, title, text, *a, **k):
        said.append(("question", text))
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return said


@pytest.fixture
def tab(qtbot, session):
    t = PrivacyTab(session)
    qtbot.addWidget(t)
    session.taskman.wait_idle()
    return t


def test_shows_the_stored_options(tab):
    assert tab.role_checks["客服专员"].isChecked() and not tab.role_checks["管理员"].isChecked()
    assert not tab.remember_check.isChecked()
    assert tab.failures_spin.value() == 5 and tab.lock_spin.value() == 5
    assert tab.years_spin.value() == 3
    assert not tab.save_button.isEnabled()  # nothing changed yet
    assert tab.count_label.text() == "(目前 0 张符合条件)"


def test_options_saved_and_audited(qtbot, tab, session):
    settings.set_("auth.remembered_login", "zhang")
    settings.set_("auth.allow_remember", True)
    tab.reload()
    tab.role_checks["客服专员"].setChecked(False)
    tab.remember_check.setChecked(False)
    tab.failures_spin.setValue(6)
    assert tab.save_button.isEnabled() and tab.status_label.text() == "有未保存的修改"
    with qtbot.waitSignal(tab.saved, timeout=10_000) as blocker:
        tab.save_button.click()
    assert set(blocker.args[0]) == {
        "privacy.phone_full_roles",
        "auth.allow_remember",
        "auth.max_failures",
    }
    assert settings.get("privacy.phone_full_roles") == ["客服经理", "部门经理", "总经理"]
    assert settings.get("auth.max_failures") == 6
    assert settings.get("auth.allow_remember") is False
    assert settings.get("auth.remembered_login") == ""  # forgotten with the permission
    logged = {e.uid: e.changes for e in audit.entries(event="settings.update")}
    assert logged["auth.max_failures"] == {"auth.max_failures": [5, 6]}
    assert logged["auth.remembered_login"] == {"auth.remembered_login": ["zhang", ""]}
    assert "privacy.phone_full_roles" in logged
    assert not tab.save_button.isEnabled() and tab.status_label.text() == "已保存"


def test_save_options_checks_permission_and_bounds(ctx):
    clerk = dataclasses.replace(ctx, roles=frozenset({"客服专员"}))
    with pytest.raises(PermissionDenied):
        save_options(clerk, {"auth.max_failures": 6})
    with pytest.raises(UseCaseError, match="3–10"):
        save_options(ctx, {"auth.max_failures": 0})
    assert settings.get("auth.max_failures") == 5
    assert (
        save_options(
            ctx, {"privacy.phone_full_roles": ["总经理", "部门经理", "客服经理", "客服专员"]}
        )
        == {}
    )  # same set


def test_controls_disabled_without_permission(qtbot, session, ctx):
    session.set_user(dataclasses.replace(ctx, roles=frozenset({"客服经理"})))
    tab = PrivacyTab(session)
    qtbot.addWidget(tab)
    session.taskman.wait_idle()
    assert not tab.remember_check.isEnabled()
    assert tab.remember_check.toolTip().startswith("无权修改站点设置")
    assert not tab.anonymise_button.isEnabled()
    assert "管理员" in tab.anonymise_button.toolTip()
    tab.failures_spin.setValue(7)  # even if a value changes, there is no saving
    assert not tab.save_button.isEnabled()


def test_anonymise_names_the_count_then_runs(qtbot, tab, session, ctx, boxes):
    def make(name, closed_years_ago):
        v = {**cases.blank_case(ctx), "customer_name": name, "content": "x", "phone": "13812345678"}
        r = cases.create_case(ctx, v)
        if closed_years_ago is not None:
            closed = FIXED_NOW.replace(year=FIXED_NOW.year - closed_years_ago)
            cases.update_case(ctx, r.id, {"state": "已关闭", "closed_at": closed})
        return r.id

    old, other_old, recent = make("老客户", 4), make("老客户二", 5), make("新客户", 1)
    with qtbot.waitSignal(tab.anonymised, timeout=10_000) as blocker:
        tab.anonymise_button.click()
    assert blocker.args[0] == 2
    question = [t for k, t in boxes if k == "question"]
    assert len(question) == 1 and "将匿名化 2 张关闭超过 3 年" in question[0]
    assert cases.get_case(old)["customer_name"] == "(已匿名)"
    assert cases.get_case(other_old)["phone"] is None
    assert cases.get_case(recent)["customer_name"] == "新客户"
    assert boxes[-1] == ("information", "已匿名化 2 张投诉单。")

    boxes.clear()
    tab.anonymise_button.click()  # nothing left: said, not asked
    qtbot.waitUntil(lambda: bool(boxes), timeout=10_000)
    assert boxes[0][0] == "information" and "没有" in boxes[0][1]

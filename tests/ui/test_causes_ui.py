"""The cause asked when a case is handled (the action dialog) and the office's list of causes
(设置 → 原因分类)."""

from __future__ import annotations

from datetime import datetime

import pytest

from complaints.types import Action
from complaints.usecases import causes
from complaints.usecases.context import CHINA_TZ
from complaints.usecases.errors import UseCaseError
from ui.action_dialog import ActionDialog
from ui.settings_causes import CausesTab

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=CHINA_TZ)


def test_handling_asks_for_the_cause_from_the_list(qtbot):
    d = ActionDialog(
        Action.HANDLED, number="T1", now=NOW, tz=CHINA_TZ, causes=["维修质量", "服务态度"]
    )
    qtbot.addWidget(d)
    assert d.cause is not None and d.cause_note is not None
    assert [d.cause.itemText(i) for i in range(d.cause.count())][1:] == ["维修质量", "服务态度"]
    d.plan.setPlainText("重新紧固")
    assert "cause" not in d.values()  # not chosen: the case stays without one
    d.cause.setCurrentIndex(1)
    d.cause_note.setText("紧固不到位")
    v = d.values()
    assert (v["cause"], v["cause_note"], v["plan"]) == ("维修质量", "紧固不到位", "重新紧固")


def test_a_cause_no_longer_on_the_list_is_kept(qtbot):
    d = ActionDialog(
        Action.RETURN_TO_CS,
        number="T1",
        now=NOW,
        tz=CHINA_TZ,
        causes=["维修质量"],
        current={"cause": "旧分类", "cause_note": "旧说明"},
    )
    qtbot.addWidget(d)
    assert d.cause.currentData() == "旧分类" and d.cause_note.text() == "旧说明"


def test_other_actions_do_not_ask(qtbot):
    d = ActionDialog(Action.CONTACT, number="T1", now=NOW, tz=CHINA_TZ, causes=["维修质量"])
    qtbot.addWidget(d)
    assert d.cause is None


def test_the_office_edits_its_list(qtbot, session, ctx):
    tab = CausesTab(session)
    qtbot.addWidget(tab)
    qtbot.waitUntil(lambda: "维修质量" in tab.edit.toPlainText(), timeout=5_000)
    tab.edit.setPlainText("维修质量\n\n  服务态度 \n维修质量\n洗车质量")
    with qtbot.waitSignal(tab.saved, timeout=5_000) as got:
        tab.save()
    assert got.args == [["维修质量", "服务态度", "洗车质量"]]
    assert causes.cause_list() == ["维修质量", "服务态度", "洗车质量"]


def test_an_empty_list_is_refused(ctx):
    with pytest.raises(UseCaseError):
        causes.save_cause_list(ctx, ["", "  "])
    assert causes.cause_list() == causes.default_causes()

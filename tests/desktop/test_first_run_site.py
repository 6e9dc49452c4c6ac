"""The first-run dialog's site, registered once per database: on an empty office server two
seats may start at the same moment, and the second keeps (and says) the first one's site."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from complaints.usecases import site
from desktop import app
from tests.conftest import FIXED_NOW


class _Answers:
    """What the first-run dialog was told: a demo of 300 cases."""

    def wants_demo(self) -> bool:
        return True

    def demo_cases(self) -> int:
        return 300


@pytest.fixture
def told(monkeypatch) -> list[str]:
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: said.append(text))
    return said


def test_a_new_site_is_registered_with_its_demo(db_path, told):
    assert app._register_site("SH01", "上海浦东店", _Answers()) == 300
    assert site.local_site().code == "SH01"
    assert told == []


def test_the_same_site_registered_a_moment_earlier_is_kept_and_said(db_path, told):
    site.init_site("SH01", "另一个座位填的名称", now=FIXED_NOW)
    assert app._register_site("SH01", "上海浦东店", _Answers()) == 0  # no second demo
    assert site.local_site().name == "另一个座位填的名称"
    assert told and "刚由另一个座位初始化为站点 SH01" in told[0]


def test_another_site_registered_a_moment_earlier_is_kept_and_said(db_path, told):
    site.init_site("BJ02", "北京店", now=FIXED_NOW)
    assert app._register_site("SH01", "上海浦东店", _Answers()) == 0
    assert site.local_site().code == "BJ02"
    assert told and "BJ02" in told[0] and "将使用本数据库的站点 BJ02" in told[0]

from datetime import datetime

import pytest

from complaints.query import CaseFilter
from complaints.usecases import cases
from complaints.usecases.context import CHINA_TZ
from complaints.usecases.errors import StaleRecord, ValidationFailed


def _values(ctx, **over):
    v = cases.blank_case(ctx)
    v.update(
        customer_name="张伟",
        content="保养后发动机异响,要求免费检修",
        phone="13812345678",
        vin="LSVAU2180N2183294",
        plate="沪A·12345",
    )
    v.update(over)
    return v


def test_create_numbers_per_site_and_month(ctx):
    a = cases.create_case(ctx, _values(ctx))
    b = cases.create_case(ctx, _values(ctx))
    assert a.number == "SH01-202611-0001"
    assert b.number == "SH01-202611-0002"
    got = cases.get_case(a.id)
    assert got["customer_name"] == "张伟"
    assert got["revision"] == 1 and got["site"] == "SH01"
    assert got["received_at"].utcoffset() is not None
    entries = cases.list_entries(a.id)
    assert [e["action"] for e in entries] == ["登记"]


def test_vin_check_digit_warns_but_saves(ctx):
    r = cases.create_case(ctx, _values(ctx, vin="LSVAU2180N2183294"))
    assert [w.field for w in r.warnings] == ["vin"]


def test_bad_input_names_the_field_and_changes_nothing(ctx):
    with pytest.raises(ValidationFailed) as e:
        cases.create_case(ctx, _values(ctx, vin="LSVAU2180N218329", customer_name=""))
    fields = {p.field for p in e.value.problems}
    assert fields == {"vin", "customer_name"}
    assert "VIN" in str(e.value) and "用户姓名" in str(e.value)
    assert cases.case_ids(CaseFilter()) == []


def test_update_counts_revision_and_refuses_stale(ctx):
    r = cases.create_case(ctx, _values(ctx))
    u = cases.update_case(ctx, r.id, {"plan": "免费更换皮带"}, expected_revision=1)
    assert u.revision == 2
    with pytest.raises(StaleRecord):
        cases.update_case(ctx, r.id, {"plan": "x"}, expected_revision=1)
    assert cases.get_case(r.id)["plan"] == "免费更换皮带"


def test_search_short_and_long(ctx):
    r = cases.create_case(ctx, _values(ctx, content="天窗漏水严重"))
    cases.create_case(ctx, _values(ctx, content="销售顾问态度差", customer_name="李娜"))
    assert cases.search("天窗漏") == [r.id]
    assert cases.search("漏水") == [r.id]  # 2 characters: base table
    assert cases.search("李") != [] and r.id not in cases.search("李")
    assert cases.search("a%b") == []


def test_filters(ctx):
    a = cases.create_case(ctx, _values(ctx, received_at=datetime(2026, 10, 3, 9, tzinfo=CHINA_TZ)))
    b = cases.create_case(ctx, _values(ctx, channel="厂家转发"))
    assert cases.case_ids(CaseFilter(channels=frozenset({"厂家转发"}))) == [b.id]
    oct_ = CaseFilter(
        received_from=datetime(2026, 10, 1, tzinfo=CHINA_TZ),
        received_to=datetime(2026, 11, 1, tzinfo=CHINA_TZ),
    )
    assert cases.case_ids(oct_) == [a.id]
    assert cases.get_case(a.id)["number"] == "SH01-202610-0001"

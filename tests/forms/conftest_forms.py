"""Fixtures for the forms tests: a case with every box of forms A and B filled, its
tracking entries, and approved sanctions."""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from datetime import date, datetime

import pytest

from complaints.rules.validation import vin_check_digit
from complaints.usecases.cases import create_case
from complaints.usecases.context import CHINA_TZ
from db.models import Entry, Sanction


def _vin(stem: str) -> str:
    v = stem[:8] + "0" + stem[9:]
    return v[:8] + vin_check_digit(v) + v[9:]


VIN = _vin("WMWMW4187C2184847")  # wide capitals: the hardest VIN to keep on one line

CASE_VALUES = {
    "received_at": datetime(2026, 11, 20, 9, 30, tzinfo=CHINA_TZ),
    "channel": "售后回访",
    "kind": "投诉",
    "severity": "重大投诉",
    "initiative": "被动投诉",
    "business": "售后",
    "area": "维修技术",
    "content": '车辆异响 <严重> & "多次" 返修\n第二次到店仍未解决',
    "car_model": "帕萨特 330TSI",
    "vin": VIN,
    "work_order": "WO-2026-1120",
    "plate": "沪A12345",
    "purchase_date": date(2025, 3, 1),
    "mileage": 12345,
    "customer_name": "张三",
    "gender": "男",
    "phone": "13812345678",
    "advisor": "李四",
    "repair_content": "更换前减震器",
    "repair_team": "机电二组",
    "background": "老客户,车队用车",
    "demand": "要求免费更换",
    "department": "售后服务部",
    "responsible": "赵六",
    "plan": "免费检修并赠送保养一次",
    "handled_date": date(2026, 11, 21),
    "gm_instruction": "同意处理方案",
    "satisfaction": "满意",
    "cac_number": "CAC-88001",
    "fmc_status": "In process",
    "station_name": "上海浦东店",
    "complaint_nature": "潜在媒体曝光",
    "media": False,
    "needs_oem": False,
    "attitude": False,
    "collective": False,
}


@pytest.fixture
def case_id(ctx):
    res = create_case(ctx, CASE_VALUES)
    Entry.create(
        uid=str(uuid.uuid4()),
        site="SH01",
        modified_at=ctx.now(),
        case=res.id,
        at=datetime(2026, 11, 20, 10, 0, tzinfo=CHINA_TZ),
        action="联系客户",
        actor="赵六",
        note="已电话安抚 <客户>",
        recorded_at=ctx.now(),
    )
    return res.id


def make_sanction(ctx, case_id=None, **kw) -> Sanction:
    values = dict(
        uid=str(uuid.uuid4()),
        site="SH01",
        modified_at=ctx.now(),
        case=case_id,
        type="罚款",
        rule="S1",
        department="售后服务部",
        person="赵六",
        amount=100,
        reason="有责投诉",
        date=date(2026, 11, 20),
        status="已批准",
        decided_by="总经理",
    )
    values.update(kw)
    return Sanction.create(**values)


def document_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("word/document.xml").decode("utf-8")


def plain_text(data: bytes) -> str:
    """The document's visible text, paragraphs on lines: the page header first (the forms
    print their title and number there), then the body."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        headers = sorted(n for n in z.namelist() if re.fullmatch(r"word/header\d*\.xml", n))
        xml = "".join(z.read(n).decode("utf-8") for n in headers) + document_xml(data)
    xml = re.sub(r"</w:p>", "\n", xml)
    xml = re.sub(r"<w:br/>", "\n", xml)
    xml = re.sub(r"<w:tab/>", "\t", xml)
    text = re.sub(r"<[^>]+>", "", xml)
    return (
        text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    )

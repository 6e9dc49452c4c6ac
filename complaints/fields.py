"""The catalogue of a case's fields, declared once.

Every case field appears here with its label (the box on the paper forms), its
ledger column header, its type and the group it belongs to in the editor. The
database schema, the editor, validation and the Excel ledger all read this list,
so a field is added in one place. Pure: no Qt, no peewee.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from enum import StrEnum

from complaints.types import (
    Business,
    Channel,
    EmergencyKind,
    FmcStatus,
    Gender,
    Initiative,
    Kind,
    Liability,
    Satisfaction,
    ServiceArea,
    Severity,
    State,
)


class FieldType(StrEnum):
    TEXT = "text"  # one line
    LONG_TEXT = "long_text"  # a box on the form
    ENUM = "enum"
    BOOL = "bool"
    DATETIME = "datetime"  # timezone-aware
    DATE = "date"
    INT = "int"


class Group(StrEnum):
    """The editor's groups, in the order of the paper forms."""

    VEHICLE = "车辆信息"
    CUSTOMER = "用户信息"
    CLASSIFICATION = "意见类型/内容"
    HANDLING = "处理"
    CALLBACK = "回访"
    OEM = "厂家跟踪"
    EMERGENCY = "突发事件"


@dataclass(frozen=True, slots=True)
class CaseField:
    name: str  # attribute and database column
    label: str  # box label on the form and in the editor
    header: str  # ledger column header
    type: FieldType
    group: Group
    required: bool = False
    choices: builtins.type[StrEnum] | None = None  # ``type`` here is the field above
    max_length: int | None = None
    searchable: bool = False  # part of the full-text index


def _f(
    name,
    label,
    type_,
    group,
    *,
    header=None,
    required=False,
    choices=None,
    max_length=None,
    searchable=False,
) -> CaseField:
    return CaseField(
        name, label, header or label, type_, group, required, choices, max_length, searchable
    )


T, L, E, B, DT, D, I = (
    FieldType.TEXT,
    FieldType.LONG_TEXT,
    FieldType.ENUM,
    FieldType.BOOL,
    FieldType.DATETIME,
    FieldType.DATE,
    FieldType.INT,
)
G = Group

CASE_FIELDS: tuple[CaseField, ...] = (
    # 意见类型/内容 first: the fields every case must have.
    _f("number", "编号", T, G.CLASSIFICATION, required=True, max_length=40, searchable=True),
    _f("received_at", "接单时间", DT, G.CLASSIFICATION, header="登记时间", required=True),
    _f("channel", "渠道", E, G.CLASSIFICATION, required=True, choices=Channel),
    _f("kind", "性质", E, G.CLASSIFICATION, required=True, choices=Kind),
    _f("severity", "意见类型", E, G.CLASSIFICATION, header="类别", required=True, choices=Severity),
    _f("initiative", "主动/被动", E, G.CLASSIFICATION, header="主动被动", choices=Initiative),
    _f("business", "业务", E, G.CLASSIFICATION, required=True, choices=Business),
    _f("area", "售后分类", E, G.CLASSIFICATION, choices=ServiceArea),
    _f("media", "涉及媒体", B, G.CLASSIFICATION),
    _f("needs_oem", "需厂家支持", B, G.CLASSIFICATION),
    # on-site cases only: settled by the advisor on the spot, so D3 does not apply (policy.md §4)
    _f("settled_on_site", "当场已解决", B, G.CLASSIFICATION, header="当场是否解决"),
    _f("attitude", "服务态度", B, G.CLASSIFICATION),
    _f("collective", "群体", B, G.CLASSIFICATION),
    _f("content", "投诉内容", L, G.CLASSIFICATION, required=True, max_length=4000, searchable=True),
    # 车辆信息
    _f("car_model", "车型", T, G.VEHICLE, max_length=60),
    _f("vin", "VIN", T, G.VEHICLE, max_length=17, searchable=True),
    _f("work_order", "派工单号", T, G.VEHICLE, max_length=40),
    _f("plate", "车牌号", T, G.VEHICLE, max_length=20, searchable=True),
    _f("purchase_date", "购车/维修时间", D, G.VEHICLE),
    _f("mileage", "公里数", I, G.VEHICLE),
    # 用户信息
    _f(
        "customer_name",
        "用户姓名",
        T,
        G.CUSTOMER,
        header="客户姓名",
        required=True,
        max_length=40,
        searchable=True,
    ),
    _f("gender", "性别", E, G.CUSTOMER, choices=Gender),
    _f("phone", "联系电话", T, G.CUSTOMER, max_length=20, searchable=True),
    _f("advisor", "销售/服务顾问", T, G.CUSTOMER, max_length=40),
    _f("repair_content", "维修内容", L, G.CUSTOMER, max_length=2000),
    _f("repair_team", "维修班组", T, G.CUSTOMER, max_length=40),
    _f("background", "顾客背景", L, G.CUSTOMER, max_length=2000),
    _f("demand", "顾客需求", L, G.CUSTOMER, header="顾客需求", max_length=2000),
    # 处理
    _f("department", "处理部门", T, G.HANDLING, header="责任部门", max_length=40),
    _f("responsible", "第一责任人", T, G.HANDLING, max_length=40),
    _f("plan", "调查结果及处理意见", L, G.HANDLING, max_length=4000),
    _f("handled_date", "处理日期", D, G.HANDLING),
    _f("gm_instruction", "总经理批示", L, G.HANDLING, max_length=2000),
    # the cause found when handling: a category of the office's list (settings causes.list)
    _f("cause", "原因分类", T, G.HANDLING, max_length=40),
    _f("cause_note", "原因说明", T, G.HANDLING, max_length=200),
    _f("liability", "责任认定", E, G.HANDLING, choices=Liability),
    _f("state", "状态", E, G.HANDLING, choices=State),
    _f("closed_at", "关单时间", DT, G.HANDLING),
    # 回访
    _f("callback_at", "回访时间", DT, G.CALLBACK),
    _f("satisfaction", "回访满意度", E, G.CALLBACK, choices=Satisfaction),
    _f("callback2_at", "二次回访时间", DT, G.CALLBACK),
    _f("satisfaction2", "二次回访满意度", E, G.CALLBACK, choices=Satisfaction),
    # 厂家跟踪
    _f("cac_number", "CAC案例号", T, G.OEM, max_length=40),
    _f("fmc_status", "FMC状态", E, G.OEM, choices=FmcStatus),
    _f("station_name", "维修站名称", T, G.OEM, max_length=60),
    _f("complaint_nature", "投诉性质", T, G.OEM, max_length=200),
    # 突发事件: declared on a case (handled as 重大, D2 at the media limit); closing it needs
    # the short review (complaints.rules.workflow.REVIEW_FIELDS).
    _f("emergency", "突发事件", E, G.EMERGENCY, choices=EmergencyKind),
    _f("emergency_at", "认定时间", DT, G.EMERGENCY, header="突发事件认定时间"),
    _f("review_cause", "复盘:原因", L, G.EMERGENCY, max_length=2000),
    _f("review_actions", "复盘:处理经过", L, G.EMERGENCY, max_length=2000),
    _f("review_changes", "复盘:改进措施", L, G.EMERGENCY, max_length=2000),
)

FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in CASE_FIELDS)
FIELDS_BY_NAME: dict[str, CaseField] = {f.name: f for f in CASE_FIELDS}
FIELDS_BY_HEADER: dict[str, CaseField] = {f.header: f for f in CASE_FIELDS}
REQUIRED_FIELDS: tuple[CaseField, ...] = tuple(f for f in CASE_FIELDS if f.required)
SEARCHABLE_FIELDS: tuple[CaseField, ...] = tuple(f for f in CASE_FIELDS if f.searchable)

# The keys every synced record carries (ledger.md "Keys and versions").
KEY_HEADERS = {
    "uid": "记录ID",
    "site": "所属站点",
    "revision": "修订号",
    "modified_at": "最后修改时间",
    "deleted": "已删除",
}

# A stored case's record keys beside its fields: its row id and the ledger's keys.
KEY_NAMES: tuple[str, ...] = ("id", *KEY_HEADERS)

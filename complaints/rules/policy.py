"""Every number of the office's complaint policy (policy.md §3–§5), as one frozen value.

The deadline rules, the routing proposal, the escalation hints and (later) the sanction
proposals all read the same ``Policy`` object, so an office changes a limit in one place.
Each field carries its Chinese label, unit and group for the policy editor (``POLICY_FIELDS``).
Pure: plain values in and out; ``to_dict``/``from_dict`` for JSON storage.
"""

from __future__ import annotations

import re
from dataclasses import MISSING, dataclass, field, fields, replace
from typing import Any

from complaints.rules.officetime import (
    DEFAULT_OFFICE_HOURS,
    EMPTY_CALENDAR,
    CalendarData,
    OfficeTimeError,
    format_office_hours,
    parse_office_hours,
)

# Policy editor groups, in display order.
GROUP_DEADLINES = "处理时限"
GROUP_PAPER = "处理单打印"
GROUP_ROUTING = "派单与渠道"
GROUP_HINTS = "升级提示"
GROUP_SANCTIONS = "奖惩金额(元)"
GROUP_CLOCKS = "计时方式"
GROUP_FOLLOW_UP = "跟踪回访"
ON_OFF_UNIT = "开关"

# How each rule's limit is counted: calendar time (the default: nothing changes
# for an office that does not opt in) or office time (office hours on working days).
CLOCK_CALENDAR = "calendar"
CLOCK_OFFICE = "office"
CLOCK_LABELS = {CLOCK_CALENDAR: "自然时间", CLOCK_OFFICE: "工作时间"}
CLOCK_UNIT = "计时方式"
RULE_NAMES = tuple(f"D{i}" for i in range(1, 13))

# R1: (business, service area or "" for any, proposed department). The most specific row wins.
DEFAULT_ROUTING: tuple[tuple[str, str, str], ...] = (
    ("销售", "", "销售部"),
    ("售后", "", "售后服务部"),
    ("售后", "维修技术", "车间"),
    ("售后", "配件", "配件部"),
    ("售后", "前台服务", "服务前台"),
)

# Channels other than the three named by the policy follow the on-site rules (policy.md §1).
DEFAULT_ONSITE_CHANNELS: tuple[str, ...] = ("现场", "电话热线", "网络/邮件", "其他")


def _f(default: Any, label: str, unit: str, group: str, *, rule: str = "") -> Any:
    return field(
        default=default, metadata={"label": label, "unit": unit, "group": group, "rule": rule}
    )


@dataclass(frozen=True)
class Policy:
    """The policy's defaults; an office edits them in 设置 → 制度参数."""

    # §4 deadlines (limits in the unit named by each field).
    d1_hours: int = _f(2, "一般投诉联系客户时限", "小时", GROUP_DEADLINES, rule="D1")
    d2_hours: int = _f(4, "重大/需厂家支持:上报厂家时限", "小时", GROUP_DEADLINES, rule="D2")
    d2_media_hours: int = _f(2, "涉及媒体时上报厂家时限", "小时", GROUP_DEADLINES, rule="D2")
    d3_minutes: int = _f(
        5, "现场无法当场解决:升级部门负责人时限", "分钟", GROUP_DEADLINES, rule="D3"
    )
    d4_cutoff: str = _f(
        "23:59", "现场投诉处理单当天回传客服部截止时刻", "时:分", GROUP_DEADLINES, rule="D4"
    )
    d5_hours: int = _f(1, "回访投诉交部门经理时限", "小时", GROUP_DEADLINES, rule="D5")
    d6_hours: int = _f(2, "回访投诉:指定责任人并联系客户时限", "小时", GROUP_DEADLINES, rule="D6")
    d7_hours: int = _f(24, "回访一般投诉:处理完毕回传客服时限", "小时", GROUP_DEADLINES, rule="D7")
    d8_hours: int = _f(72, "回访重大投诉:处理完毕时限", "小时", GROUP_DEADLINES, rule="D8")
    d9_minutes: int = _f(30, "厂家转发:部门经理联系客户时限", "分钟", GROUP_DEADLINES, rule="D9")
    d10_days: int = _f(3, "回访不满意重开后再次处理时限", "天", GROUP_DEADLINES, rule="D10")
    d11_onsite_hours: int = _f(36, "现场投诉处理后回访时限", "小时", GROUP_DEADLINES, rule="D11")
    d11_other_days: int = _f(3, "其他投诉处理后回访时限", "天", GROUP_DEADLINES, rule="D11")
    at_risk_fraction: float = _f(
        0.25, "剩余时间少于此比例时提示“将到期”", "比例(0–1)", GROUP_DEADLINES
    )
    # The paper handling sheet (policy.md §4: the printed form says 3 h).
    sheet_contact_hours: int = _f(3, "处理单上印的联系客户时限", "小时", GROUP_PAPER)
    sheet_return_hours: int = _f(24, "处理单上印的回传客服部时限", "小时", GROUP_PAPER)
    # R1 and channels.
    routing: tuple[tuple[str, str, str], ...] = _f(
        DEFAULT_ROUTING, "派单建议(业务、售后分类 → 部门)", "表", GROUP_ROUTING, rule="R1"
    )
    onsite_channels: tuple[str, ...] = _f(
        DEFAULT_ONSITE_CHANNELS, "按现场投诉规则处理的渠道", "渠道", GROUP_ROUTING
    )
    # §4 escalation hints.
    hint_collective_customers: int = _f(10, "涉及客户达到此人数时提示升级为重大", "人", GROUP_HINTS)
    hint_repeat_days: int = _f(30, "同一客户或车辆在此天数内再次投诉时提示升级", "天", GROUP_HINTS)
    hint_open_days: int = _f(30, "投诉单未关闭超过此天数时提示升级", "天", GROUP_HINTS)
    # §5 sanctions, integer yuan.
    s1_grumble: int = _f(50, "有责抱怨:第一责任人罚款", "元", GROUP_SANCTIONS, rule="S1")
    s1_complaint: int = _f(100, "有责投诉:第一责任人罚款", "元", GROUP_SANCTIONS, rule="S1")
    s2_person: int = _f(100, "服务态度有责:责任人罚款", "元", GROUP_SANCTIONS, rule="S2")
    s2_manager_default: int = _f(
        50, "服务态度有责:部门经理连带罚款(默认)", "元", GROUP_SANCTIONS, rule="S2"
    )
    s3_general: int = _f(50, "有责一般投诉:部门经理罚款", "元", GROUP_SANCTIONS, rule="S3")
    s3_major: int = _f(100, "有责重大投诉:部门经理罚款", "元", GROUP_SANCTIONS, rule="S3")
    s6_min: int = _f(20, "二次回访仍不满意:罚款下限", "元", GROUP_SANCTIONS, rule="S6")
    s6_max: int = _f(50, "二次回访仍不满意:罚款上限", "元", GROUP_SANCTIONS, rule="S6")
    s6_default: int = _f(20, "二次回访仍不满意:罚款默认", "元", GROUP_SANCTIONS, rule="S6")
    s7: int = _f(50, "二次回访称无人联系:经办人罚款", "元", GROUP_SANCTIONS, rule="S7")
    s8: int = _f(20, "处理单未按时回传:部门经理罚款", "元", GROUP_SANCTIONS, rule="S8")
    s9: int = _f(20, "处理单遗失:销售经理/站长罚款", "元", GROUP_SANCTIONS, rule="S9")
    s10: int = _f(100, "处理得当获客户主动表扬:奖励", "元", GROUP_SANCTIONS, rule="S10")
    s11: int = _f(300, "客户赠送锦旗:奖励", "元", GROUP_SANCTIONS, rule="S11")
    # The clock of each rule (自然时间 or 工作时间) and the office hours its office time counts.
    office_hours: str = _f(
        DEFAULT_OFFICE_HOURS, "办公时间(调休上班日按周一的办公时间)", "办公时间", GROUP_CLOCKS
    )
    d1_clock: str = _f(CLOCK_CALENDAR, "计时方式", CLOCK_UNIT, GROUP_CLOCKS, rule="D1")
    d2_clock: str = _f(CLOCK_CALENDAR, "计时方式", CLOCK_UNIT, GROUP_CLOCKS, rule="D2")
    d3_clock: str = _f(CLOCK_CALENDAR, "计时方式", CLOCK_UNIT, GROUP_CLOCKS, rule="D3")
    d4_clock: str = _f(CLOCK_CALENDAR, "计时方式", CLOCK_UNIT, GROUP_CLOCKS, rule="D4")
    d5_clock: str = _f(CLOCK_CALENDAR, "计时方式", CLOCK_UNIT, GROUP_CLOCKS, rule="D5")
    d6_clock: str = _f(CLOCK_CALENDAR, "计时方式", CLOCK_UNIT, GROUP_CLOCKS, rule="D6")
    d7_clock: str = _f(CLOCK_CALENDAR, "计时方式", CLOCK_UNIT, GROUP_CLOCKS, rule="D7")
    d8_clock: str = _f(CLOCK_CALENDAR, "计时方式", CLOCK_UNIT, GROUP_CLOCKS, rule="D8")
    d9_clock: str = _f(CLOCK_CALENDAR, "计时方式", CLOCK_UNIT, GROUP_CLOCKS, rule="D9")
    d10_clock: str = _f(CLOCK_CALENDAR, "计时方式", CLOCK_UNIT, GROUP_CLOCKS, rule="D10")
    d11_clock: str = _f(CLOCK_CALENDAR, "计时方式", CLOCK_UNIT, GROUP_CLOCKS, rule="D11")
    # D12, the follow-up visit after closing: the office's own policy has none, so it is off.
    follow_up: bool = _f(
        False, "关闭后跟踪回访(确认问题未再出现)", ON_OFF_UNIT, GROUP_FOLLOW_UP, rule="D12"
    )
    d12_from_days: int = _f(3, "跟踪回访最早于关闭后第几天", "天", GROUP_FOLLOW_UP, rule="D12")
    d12_days: int = _f(7, "跟踪回访最迟于关闭后第几天", "天", GROUP_FOLLOW_UP, rule="D12")
    d12_clock: str = _f(CLOCK_OFFICE, "计时方式", CLOCK_UNIT, GROUP_CLOCKS, rule="D12")

    # The office's calendar (holidays, make-up workdays) as the deadlines read it: attached
    # by the policy use case, not a policy value (not stored with a version, not compared).
    calendar: CalendarData = field(
        default=EMPTY_CALENDAR, compare=False, repr=False, metadata={"internal": True}
    )

    # --- derived values -------------------------------------------------------------------

    def clock(self, rule: str) -> str:
        """``"calendar"`` or ``"office"``: how rule ``rule`` ("D1"…"D11") counts its limit."""
        clock: str = getattr(self, f"{rule.lower()}_clock")
        return clock

    def office_rules(self) -> frozenset[str]:
        """The rules counted in office time (D12 only where the office makes follow-up visits)."""
        return frozenset(
            r
            for r in RULE_NAMES
            if self.clock(r) == CLOCK_OFFICE and (r != "D12" or self.follow_up)
        )

    def d4_cutoff_hm(self) -> tuple[int, int]:
        h, m = self.d4_cutoff.split(":")
        return int(h), int(m)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values (tuples become lists)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.metadata.get("internal"):
                continue
            v = getattr(self, f.name)
            if isinstance(v, tuple):
                v = [list(x) if isinstance(x, tuple) else x for x in v]
            out[f.name] = v
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Policy:
        """Unknown keys are ignored and missing ones take the default, so an older or
        newer stored policy still loads."""
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in data or f.metadata.get("internal"):
                continue
            v = data[f.name]
            default = f.default if f.default is not MISSING else None
            if f.name == "routing":
                v = tuple(tuple(str(x or "") for x in row) for row in v)
            elif isinstance(default, tuple):
                v = tuple(str(x) for x in v)
            elif isinstance(default, bool):
                v = bool(v)
            elif isinstance(default, int):
                v = int(v)
            elif isinstance(default, float):
                v = float(v)
            elif isinstance(default, str):
                v = str(v)
            kwargs[f.name] = v
        return cls(**kwargs)

    def with_(self, **changes: Any) -> Policy:
        return replace(self, **changes)


@dataclass(frozen=True)
class PolicyField:
    name: str
    label: str
    unit: str
    group: str
    rule: str
    default: Any


POLICY_FIELDS: tuple[PolicyField, ...] = tuple(
    PolicyField(
        f.name,
        f.metadata["label"],
        f.metadata["unit"],
        f.metadata["group"],
        f.metadata["rule"],
        f.default,
    )
    for f in fields(Policy)
    if not f.metadata.get("internal")
)

_HM_RE = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")

# (min, default, max) triples that must stay ordered.
_RANGES = (("s6_min", "s6_default", "s6_max"),)


def policy_problems(p: Policy) -> list[str]:
    """What is wrong with an edited policy, one Chinese sentence each; empty when valid."""
    labels = {f.name: f.label for f in POLICY_FIELDS}
    problems: list[str] = []
    for f in POLICY_FIELDS:
        v = getattr(p, f.name)
        if f.unit in ("小时", "分钟", "天", "人") and (not isinstance(v, int) or v <= 0):
            problems.append(f"{f.rule + ' ' if f.rule else ''}{f.label}必须大于 0")
        elif f.unit == "元" and (not isinstance(v, int) or v < 0):
            problems.append(f"{f.rule} {f.label}不能为负数")
    if not _HM_RE.fullmatch(p.d4_cutoff or ""):
        problems.append(f"D4 {labels['d4_cutoff']}应为 时:分(如 23:59),而不是“{p.d4_cutoff}”")
    if not (0 < p.at_risk_fraction < 1):
        problems.append(f"{labels['at_risk_fraction']}应在 0 与 1 之间")
    for rule in RULE_NAMES:
        if p.clock(rule) not in CLOCK_LABELS:
            problems.append(
                f"{rule} 计时方式应为 calendar(自然时间)或 office(工作时间),而不是“{p.clock(rule)}”"
            )
    try:
        hours = parse_office_hours(p.office_hours)
        if hours[0] is None:
            problems.append(f"{labels['office_hours']}:调休上班日按周一的办公时间,周一须有办公时间")
    except OfficeTimeError as e:
        problems.append(f"{labels['office_hours']}:{e}")
    for lo, mid, hi in _RANGES:
        a, b, c = getattr(p, lo), getattr(p, mid), getattr(p, hi)
        if isinstance(a, int) and isinstance(c, int) and a > c:
            problems.append(f"{labels[lo]}({a} 元)不能大于{labels[hi]}({c} 元)")
        elif isinstance(b, int) and not (a <= b <= c):
            problems.append(f"{labels[mid]}({b} 元)应在 {a}–{c} 元之间")
    if p.d12_from_days > p.d12_days:
        problems.append(
            f"D12 {labels['d12_from_days']}({p.d12_from_days} 天)不能晚于"
            f"{labels['d12_days']}({p.d12_days} 天)"
        )
    for row in p.routing:
        if len(row) != 3 or not row[0] or not row[2]:
            problems.append(f"R1 派单建议的一行不完整:{'、'.join(row)}")
    return problems


# --- the CLI's keys: ``policy show`` / ``policy set KEY VALUE`` ------------------------------

# key → (field, kind): "h"/"m"/"d" a duration held in hours/minutes/days, "hm" a time of day,
# "on" a yes/no (on/off),
# "clock", "hours" (office hours), "share", "yuan".
POLICY_KEYS: dict[str, tuple[str, str]] = {
    "D1": ("d1_hours", "h"),
    "D2": ("d2_hours", "h"),
    "D2.media": ("d2_media_hours", "h"),
    "D3": ("d3_minutes", "m"),
    "D4": ("d4_cutoff", "hm"),
    "D5": ("d5_hours", "h"),
    "D6": ("d6_hours", "h"),
    "D7": ("d7_hours", "h"),
    "D8": ("d8_hours", "h"),
    "D9": ("d9_minutes", "m"),
    "D10": ("d10_days", "d"),
    "D11": ("d11_other_days", "d"),
    "D11.onsite": ("d11_onsite_hours", "h"),
    "D12": ("d12_days", "d"),
    "D12.from": ("d12_from_days", "d"),
    "D12.on": ("follow_up", "on"),
    **{f"D{i}.clock": (f"d{i}_clock", "clock") for i in range(1, 13)},
    "office_hours": ("office_hours", "hours"),
    "at_risk_share": ("at_risk_fraction", "share"),
    **{
        f.name: (f.name, "yuan")
        for f in fields(Policy)
        if f.metadata.get("group") == GROUP_SANCTIONS
    },
}

_MINUTES = {"h": 60, "m": 1, "d": 24 * 60}
_DURATION_RE = re.compile(r"(\d+)\s*([hmd])")
_UNIT_NAMES = {"h": "小时", "m": "分钟", "d": "天"}


def _duration_text(minutes: int) -> str:
    for unit in ("d", "h"):
        if minutes % _MINUTES[unit] == 0:
            return f"{minutes // _MINUTES[unit]}{unit}"
    return f"{minutes}m"


def policy_key_values(p: Policy) -> list[tuple[str, str]]:
    """(KEY, VALUE) for every key of ``POLICY_KEYS``, as ``policy set`` accepts them back."""
    out = []
    for key, (name, kind) in POLICY_KEYS.items():
        v = getattr(p, name)
        if kind in _MINUTES:
            text = _duration_text(v * _MINUTES[kind])
        elif kind == "on":
            text = "on" if v else "off"
        elif kind == "share":
            text = f"{v:g}"
        else:
            text = str(v)
        out.append((key, text))
    return out


def apply_policy_key(p: Policy, key: str, value: str) -> Policy:
    """``p`` with one key set from its text; ``ValueError`` (in Chinese, naming the key) for
    an unknown key or a value of the wrong form. The result may still need policy_problems."""
    if key not in POLICY_KEYS:
        raise ValueError(f"未知的制度参数“{key}”:可用 {'、'.join(POLICY_KEYS)}")
    name, kind = POLICY_KEYS[key]
    value = value.strip()
    if kind in _MINUTES:
        m = _DURATION_RE.fullmatch(value.lower())
        if not m:
            raise ValueError(f"{key} 的时限“{value}”无法识别:应写成如 2h、30m、3d")
        minutes = int(m.group(1)) * _MINUTES[m.group(2)]
        per = _MINUTES[kind]
        if minutes % per:
            unit = _UNIT_NAMES[kind]
            raise ValueError(f"{key} 的时限以{unit}计:“{value}”不是整{unit}")
        return p.with_(**{name: minutes // per})
    if kind == "clock":
        v = value.lower()
        if v not in CLOCK_LABELS:
            raise ValueError(f"{key} 应为 calendar(自然时间)或 office(工作时间),而不是“{value}”")
        return p.with_(**{name: v})
    if kind == "on":
        v = value.lower()
        if v not in ("on", "off", "是", "否"):
            raise ValueError(f"{key} 应为 on(开启)或 off(关闭),而不是“{value}”")
        return p.with_(**{name: v in ("on", "是")})
    if kind == "hours":
        try:
            return p.with_(**{name: format_office_hours(parse_office_hours(value))})
        except OfficeTimeError as e:
            raise ValueError(f"{key}:{e}") from None
    if kind == "share":
        try:
            return p.with_(**{name: float(value)})
        except ValueError:
            raise ValueError(f"{key} 应为 0 与 1 之间的小数,如 0.25,而不是“{value}”") from None
    if kind == "yuan":
        if not value.isdigit():
            raise ValueError(f"{key} 应为整数金额(元),而不是“{value}”")
        return p.with_(**{name: int(value)})
    return p.with_(**{name: value})  # "hm": checked by policy_problems

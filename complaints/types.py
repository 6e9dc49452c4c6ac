"""Value types shared by every layer: the vocabulary of policy.md and ledger.md.

Each enum's value is the exact Chinese word used in the UI, on paper and in the
ledger, so it is stored as-is in the database and written as-is to Excel.
Pure: imports nothing of ours, so ``db/`` may import it too.
"""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    ON_SITE = "现场"
    SALES_CALLBACK = "销售回访"
    SERVICE_CALLBACK = "售后回访"
    OEM = "厂家转发"
    HOTLINE = "电话热线"
    ONLINE = "网络/邮件"
    OTHER = "其他"

    @property
    def is_callback(self) -> bool:
        return self in (Channel.SALES_CALLBACK, Channel.SERVICE_CALLBACK)


class Kind(StrEnum):
    GRUMBLE = "抱怨"
    COMPLAINT = "投诉"


class Severity(StrEnum):
    GENERAL = "一般投诉"
    MAJOR = "重大投诉"


class Initiative(StrEnum):
    ACTIVE = "主动投诉"
    PASSIVE = "被动投诉"


class Business(StrEnum):
    SALES = "销售"
    SERVICE = "售后"


class ServiceArea(StrEnum):
    REPAIR = "维修技术"
    PARTS = "配件"
    FRONT_DESK = "前台服务"


class Liability(StrEnum):
    PENDING = "待定"
    LIABLE = "有责"
    NOT_LIABLE = "无责"


class Gender(StrEnum):
    MALE = "男"
    FEMALE = "女"


class State(StrEnum):
    REGISTERED = "登记"
    DISPATCHED = "已派单"
    CONTACTED = "已联系"
    HANDLED = "已处理"
    CALLED_BACK = "回访"
    REOPENED = "已重开"
    CLOSED = "已关闭"


class Satisfaction(StrEnum):
    VERY_SATISFIED = "非常满意"
    SATISFIED = "满意"
    NEUTRAL = "一般"
    DISSATISFIED = "不满意"
    VERY_DISSATISFIED = "非常不满意"

    @property
    def is_happy(self) -> bool:
        """Counts toward the satisfaction share (满意 + 非常满意)."""
        return self in (Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED)

    @property
    def closes_case(self) -> bool:
        """满意/非常满意/一般 close the case; the others reopen it (policy §3)."""
        return self not in (Satisfaction.DISSATISFIED, Satisfaction.VERY_DISSATISFIED)


class FmcStatus(StrEnum):
    ON_GOING = "On-going"
    IN_PROCESS = "In process"
    HOLD = "Hold"
    CLOSED = "Closed"


class Action(StrEnum):
    """The ``动作`` vocabulary of a tracking entry (ledger.md)."""

    RECEIVED = "登记"
    DISPATCH = "派单"
    NAME_RESPONSIBLE = "指定责任人"
    CONTACT = "联系客户"
    ESCALATE = "升级"
    REPORT_OEM = "上报厂家"
    HANDLED = "处理完成"
    RETURN_TO_CS = "回传客服"
    CALLBACK = "回访"
    SECOND_CALLBACK = "二次回访"
    REOPEN = "重开"
    CLOSE = "关闭"
    FOLLOW_UP = "跟踪回访"  # some days after closing: did the problem stay solved?
    FMC_STATUS = "FMC状态"
    NOTE = "备注"
    PAUSE = "暂停"  # the case is put on hold: its running deadlines stop (说明 the reason)
    RESUME = "恢复"  # the hold ends: the deadlines run on with the time they had left


class EmergencyKind(StrEnum):
    """Why a case is an emergency (突发事件): it is handled as 重大 with the media limit."""

    CROWD = "群体客户"
    MEDIA = "媒体曝光"
    SAFETY = "安全事故"
    LAWSUIT = "诉讼"


class SanctionType(StrEnum):
    FINE = "罚款"
    REWARD = "奖励"


class ApprovalStatus(StrEnum):
    PENDING = "待审批"
    APPROVED = "已批准"
    REJECTED = "已驳回"


YES = "是"
NO = "否"

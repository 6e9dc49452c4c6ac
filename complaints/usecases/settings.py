"""Every setting declared once with its default (the Picard habit), stored as JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from db import settings_rows
from db.retry import retried


@dataclass(frozen=True)
class Option:
    key: str
    default: Any
    doc: str


OPTIONS: dict[str, Option] = {
    o.key: o
    for o in (
        Option("site.code", "", "本站点代码,如 SH01"),
        Option("site.name", "", "本站点名称"),
        Option("site.tz", "+08:00", "本站点时区"),
        Option("backup.keep_recent_days", 2, "保留最近几天的全部自动备份"),
        Option("backup.keep_daily", 12, "保留多少个每日备份"),
        Option("backup.keep_weekly", 10, "保留多少个每周备份"),
        Option("backup.keep_monthly", 9, "保留多少个每月备份"),
        Option("backup.max_size_factor", 5, "自动轮换的备份合计不超过数据库大小的几倍"),
        Option("backup.last_auto", "", "上次启动自动备份的时间"),
        Option("sanctions.last_sweep", "", "上次按时限补查奖惩建议的日期"),
        Option("privacy.mask_phone_in_export", False, "导出台账时隐藏手机号中间四位"),
        Option(
            "privacy.phone_full_roles",
            ["客服专员", "客服经理", "部门经理", "总经理"],
            "在列表中可看到完整手机号的角色(其他角色看到 138****5678)",
        ),
        Option("privacy.anonymise_after_years", 3, "已关闭多少年的投诉单可匿名化客户姓名与电话"),
        Option("auth.allow_remember", False, "允许记住登录用户(仅限一人专用的电脑)"),
        Option("auth.remembered_login", "", "记住的登录名(启动时免密码登录)"),
        Option("auth.max_failures", 5, "连续输错密码几次后锁定账户"),
        Option("auth.lock_minutes", 5, "账户锁定的分钟数"),
        Option("ui.page_size", 200, "列表每次读取的行数"),
        Option("policy", {}, "投诉处理制度参数(时限、派单、奖惩金额)及其修改历史"),
        Option("policy.binding", {}, "总部制度为约束性时:原因、发布人与导入记录(本站不能修改)"),
        Option("attachments.max_mb", 50, "单个附件的大小上限(MB)"),
        Option(
            "forms.date_style", "中文", "表单上日期的写法:中文(2026年11月22日)或 数字(2026-11-22)"
        ),
        Option(
            "causes.list",
            [
                "维修质量",
                "配件质量/供应",
                "车辆质量(厂家)",
                "服务态度",
                "服务流程/等待时间",
                "价格/费用",
                "销售承诺",
                "交车/手续",
                "其他",
            ],
            "投诉原因分类(处理时选择;统计中的原因排列图按此分类)",
        ),
        Option("forms.return_days", 3, "签字单打印后几天未回收即列入待办(签字单未回收)"),
    )
}


def get(key: str) -> Any:
    return get_many((key,))[key]


def get_many(keys: tuple[str, ...]) -> dict[str, Any]:
    """Several settings in one statement, each its stored value or else its default."""
    opts = [OPTIONS[k] for k in keys]  # an undeclared key is a programming error
    stored = settings_rows.stored(keys)
    return {o.key: stored.get(o.key, o.default) for o in opts}


def hold(*keys: str) -> None:
    """Inside a transaction, before reading settings to change them: another seat's change of
    ``keys`` waits for this transaction (db/settings_rows.py)."""
    settings_rows.hold(keys)


@retried  # one transaction: run again if the office server undid it
def set_(key: str, value: Any) -> None:
    if key not in OPTIONS:
        raise KeyError(key)
    settings_rows.store(key, value)


def get_all() -> dict[str, Any]:
    stored = settings_rows.all_stored()
    return {k: stored.get(k, o.default) for k, o in OPTIONS.items()}

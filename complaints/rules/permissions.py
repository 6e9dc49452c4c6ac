"""Who may do what: the one table of action × role (policy.md §2). Pure: no I/O.

Deny by default: a permission not in the table, or a role not named in its row, is refused.
A row may limit the 部门经理 to the cases of his own department (``DEPT`` scope): he may act
on a case whose department is his, or one of its sub-departments (the 售后站长 of 售后服务部
reaches the cases of 车间, 配件部 and 服务前台).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    CLERK = "客服专员"
    CS_MANAGER = "客服经理"
    DEPT_MANAGER = "部门经理"
    GM = "总经理"
    ADMIN = "管理员"


ROLES: tuple[str, ...] = tuple(r.value for r in Role)

ALL = "all"  # the role may do it for any case
DEPT = "dept"  # only for cases of the role holder's own department (部门经理)


@dataclass(frozen=True)
class Permission:
    name: str
    label: str  # what the action is, for the refusal message: "认定责任"
    grants: dict[str, str]  # role → ALL or DEPT


_C, _M, _D, _G, _A = (r.value for r in Role)
_CS = {_C: ALL, _M: ALL}


def _g(*pairs: tuple[str, str], base: dict[str, str] | None = None) -> dict[str, str]:
    out = dict(base or {})
    out.update(pairs)
    return out


PERMISSIONS: tuple[Permission, ...] = (
    Permission("case.view", "查看投诉单与待办", {_C: ALL, _M: ALL, _D: ALL, _G: ALL, _A: ALL}),
    Permission("case.create", "登记投诉单", dict(_CS)),
    Permission("case.edit", "修改投诉单", _g((_D, DEPT), base=_CS)),
    Permission("case.delete", "删除投诉单", {_M: ALL}),
    Permission("case.assign", "派单(指定处理部门)", dict(_CS)),
    Permission("case.contact", "记录联系客户", _g((_D, DEPT), base=_CS)),
    Permission("case.escalate", "升级投诉单", _g((_D, DEPT), base=_CS)),
    Permission("case.oem_report", "上报厂家", dict(_CS)),
    Permission(
        "case.handle", "处理投诉单(指定责任人、填写处理意见、处理完成)", {_M: ALL, _D: DEPT}
    ),
    Permission("case.callback", "记录回访", dict(_CS)),
    Permission("case.reopen", "重开投诉单", dict(_CS)),
    Permission("case.close", "关闭投诉单", dict(_CS)),
    Permission("case.set_liability", "认定责任", {_G: ALL}),
    Permission("case.note", "添加备注", _g((_D, DEPT), (_G, ALL), base=_CS)),
    Permission("attachment.add", "添加附件", _g((_D, DEPT), base=_CS)),
    Permission("attachment.remove", "删除附件", {_M: ALL}),
    Permission("sanction.propose", "提出奖惩建议", _g((_G, ALL), base=_CS)),
    Permission("sanction.approve", "审批奖惩(罚款与奖励)", {_G: ALL}),
    Permission(
        "sanction.view", "查看奖惩记录与月度合计", {_C: ALL, _M: ALL, _D: ALL, _G: ALL, _A: ALL}
    ),
    # Re-checking recent cases only proposes (the GM still approves); often scheduled.
    Permission(
        "sanction.sweep",
        "按制度重新检查近期投诉单并提出奖惩建议",
        {_C: ALL, _M: ALL, _G: ALL, _A: ALL},
    ),
    Permission("form.print", "打印表单", _g((_D, DEPT), (_G, ALL), base=_CS)),
    Permission("form.templates", "管理表单模板", {_M: ALL, _A: ALL}),
    # The administrator may run the exchange with headquarters (often scheduled); deciding a
    # conflict between two versions of a case stays with customer service.
    Permission("ledger.export", "导出台账", _g((_A, ALL), base=_CS)),
    Permission("ledger.import", "导入台账", _g((_A, ALL), base=_CS)),
    Permission("ledger.resolve", "处理台账冲突", {_M: ALL}),
    Permission("stats.view", "查看统计", {_C: ALL, _M: ALL, _D: ALL, _G: ALL}),
    Permission("stats.report", "生成月度报告", {_M: ALL, _G: ALL}),
    Permission("settings.policy", "修改制度参数(时限、奖惩金额)", {_M: ALL, _G: ALL}),
    Permission("settings.site", "修改站点设置", {_A: ALL}),
    Permission("users.manage", "管理用户(新增、重置密码、解锁、停用)", {_A: ALL}),
    Permission("audit.view", "查看审计日志", {_A: ALL, _G: ALL}),
    Permission("data.check", "检查数据库(完整性、搜索索引、审计日志)", {_M: ALL, _G: ALL, _A: ALL}),
    Permission("data.backup", "备份数据", {_M: ALL, _A: ALL}),
    Permission("data.restore", "从备份恢复数据", {_A: ALL}),
    Permission("data.demo", "生成演示数据", {_A: ALL}),
    Permission("privacy.anonymise", "匿名化清理旧投诉单的客户信息", {_A: ALL}),
    Permission("phone.view_full", "在列表中查看完整手机号", {_C: ALL, _M: ALL, _D: ALL, _G: ALL}),
)

BY_NAME: dict[str, Permission] = {p.name: p for p in PERMISSIONS}


@dataclass(frozen=True)
class Command:
    """A command-line sub-command and the permission it needs. ``unless``
    names the case where no permission is asked (said in docs/permissions.md)."""

    name: str  # "sanctions list", as typed after ``python -m desktop``
    permission: str
    unless: str = ""


# Every sub-command of desktop/commands/ (a test walks the parser and fails on one missing).
# desktop.cli checks the permission once the person is known, before the command runs.
COMMANDS: tuple[Command, ...] = (
    Command("init", "settings.site", "新建站点时(数据库中还没有站点)"),
    Command("demo", "data.demo", "空数据库(没有站点、投诉单和用户账户)"),
    Command("check", "data.check", "数据库无法打开时(只报告问题)"),
    Command("backup", "data.backup"),
    Command("restore", "data.restore", "数据文件夹中还没有数据库时"),
    Command("migrate-to", "data.restore", "数据文件夹中还没有数据库时"),
    Command("todo", "case.view"),
    Command("report", "stats.report"),
    Command("ledger export", "ledger.export"),
    Command("ledger import", "ledger.import"),
    Command("sanctions list", "sanction.view"),
    Command("sanctions totals", "sanction.view"),
    Command("sanctions approve", "sanction.approve"),
    Command("sanctions reject", "sanction.approve"),
    Command("sanctions add", "sanction.propose"),
    Command("sanctions event", "case.note"),
    Command("sanctions sweep", "sanction.sweep"),
    Command("form handling", "form.print"),
    Command("form tracking", "form.print"),
    Command("form fine", "form.print"),
    Command("form reward", "form.print"),
    Command("form notices", "form.print"),
    Command("form check", "form.templates", "数据文件夹中还没有数据库时"),
    Command("form printed", "form.print"),
    Command("scan import", "form.print"),
    Command("scan rates", "stats.view"),
    Command("user add", "users.manage", "尚无用户账户时(第一个账户须为管理员)"),
    Command("user list", "users.manage"),
    Command("user edit", "users.manage"),
    Command("user passwd", "users.manage", "修改自己的密码(需旧密码)"),
    Command("user unlock", "users.manage"),
    Command("user disable", "users.manage"),
    Command("user enable", "users.manage"),
    Command("audit", "audit.view"),
    Command("anonymise", "privacy.anonymise"),
    Command("calendar import", "settings.policy"),
    Command("calendar show", "case.view"),
    Command("policy show", "case.view"),
    Command("policy set", "settings.policy"),
    Command("policy export", "settings.policy"),
    Command("policy import", "settings.policy"),
)

COMMANDS_BY_NAME: dict[str, Command] = {c.name: c for c in COMMANDS}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # empty when allowed; otherwise the complete message for the user


def decide(
    roles: Iterable[str],
    permission: str,
    *,
    department: str | None = None,
    case_department: str | None = None,
    case_department_parents: Collection[str] = (),
) -> Decision:
    """Allowed or not, and why not. ``department`` is the person's (部门经理),
    ``case_department`` the case's; ``case_department_parents`` its parent departments."""
    held = set(roles)
    perm = BY_NAME.get(permission)
    if perm is None:
        return Decision(False, f"未定义的操作“{permission}”:默认不允许")
    dept_refusal = ""
    for role, scope in perm.grants.items():
        if role not in held:
            continue
        if scope == ALL:
            return Decision(True, "")
        reach = {case_department, *case_department_parents} - {None}
        if department and department in reach:
            return Decision(True, "")
        if not department:
            dept_refusal = "您的账户是部门经理,但没有设置所属部门"
        elif case_department is None:
            dept_refusal = f"部门经理只能处理本部门({department})的投诉单,此单尚未派给任何部门"
        else:
            dept_refusal = f"部门经理只能处理本部门({department})的投诉单,此单属于{case_department}"
    who = roles_text(perm)
    base = f"无权{perm.label}:需要{who}" if who else f"无权{perm.label}:任何角色均不允许"
    if dept_refusal:
        return Decision(False, f"{base}。{dept_refusal}")
    mine = "、".join(r for r in ROLES if r in held) or "无角色"
    return Decision(False, f"{base}(您的角色:{mine})")


def allowed(
    roles: Iterable[str],
    permission: str,
    *,
    department: str | None = None,
    case_department: str | None = None,
    case_department_parents: Collection[str] = (),
) -> bool:
    return decide(
        roles,
        permission,
        department=department,
        case_department=case_department,
        case_department_parents=case_department_parents,
    ).allowed


def reason(
    roles: Iterable[str],
    permission: str,
    *,
    department: str | None = None,
    case_department: str | None = None,
    case_department_parents: Collection[str] = (),
) -> str:
    return decide(
        roles,
        permission,
        department=department,
        case_department=case_department,
        case_department_parents=case_department_parents,
    ).reason


def roles_text(perm: Permission) -> str:
    """ "客服专员、客服经理 或 部门经理(本部门)": who would be allowed."""
    parts = [r + ("(本部门)" if perm.grants[r] == DEPT else "") for r in ROLES if r in perm.grants]
    return "、".join(parts[:-1]) + (" 或 " if len(parts) > 1 else "") + parts[-1] if parts else ""


def grant_cell(perm: Permission, role: str) -> str:
    scope = perm.grants.get(role)
    return "✔" if scope == ALL else "本部门" if scope == DEPT else "—"


def markdown_table() -> str:
    """The action × role table of docs/permissions.md, generated from PERMISSIONS."""
    head = "| 权限 | 操作 | " + " | ".join(ROLES) + " |"
    sep = "|---|---|" + "---|" * len(ROLES)
    rows = [
        f"| `{p.name}` | {p.label} | " + " | ".join(grant_cell(p, r) for r in ROLES) + " |"
        for p in PERMISSIONS
    ]
    return "\n".join([head, sep, *rows])


def command_markdown_table() -> str:
    """The command → permission table of docs/permissions.md, generated from COMMANDS."""
    head = "| 命令 | 权限 | 允许的角色 | 无需权限的情形 |"
    sep = "|---|---|---|---|"
    rows = [
        f"| `{c.name}` | `{c.permission}` | {roles_text(BY_NAME[c.permission])} | "
        f"{c.unless or '—'} |"
        for c in COMMANDS
    ]
    return "\n".join([head, sep, *rows])

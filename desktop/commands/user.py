"""``user`` (accounts) and ``audit`` (the audit trail) commands.

    user add LOGIN --name 显示名 --role 客服专员 [--role ...] [--department 客服部]
             [--temp-password]
    user list
    user edit LOGIN [--name N] [--role R ...] [--department D]
    user passwd LOGIN [--temp-password]
    user unlock LOGIN | user disable LOGIN | user enable LOGIN
    audit [--since DATE] [--until DATE] [--user X] [--event E] [--case NUMBER] [--limit N]
          [--xlsx FILE] [--verify [--site CODE]]
    anonymise [--years N] [--yes]

A new password comes from the environment variable COMPLAINTDESK_NEW_PASSWORD, or a prompt;
with --temp-password a random one is made and printed (the person must change it).
The first account of a new database must be the administrator (--role 管理员).
"""

from __future__ import annotations

import contextlib
import os
import sys
import unicodedata
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from complaints.rules.permissions import Role
from complaints.usecases import audit, audit_exchange, audit_export, auth, cases, users
from complaints.usecases.errors import NotFound
from desktop.cli import PASSWORD_ENV, CliError, ask_password, command_context, open_data
from desktop.progress_line import ProgressLine

NEW_PASSWORD_ENV = "COMPLAINTDESK_NEW_PASSWORD"


def register(sub) -> None:
    u = sub.add_parser(
        "user",
        help="用户账户:新增、列出、重置密码、解锁、停用",
        description="管理本站点的用户账户(需要管理员角色)。",
    )
    us = u.add_subparsers(dest="user_command", metavar="ACTION", required=True)

    p = us.add_parser("add", help="新增用户")
    p.add_argument("login", metavar="LOGIN", help="登录名")
    p.add_argument("--name", required=True, help="显示名(姓名)")
    p.add_argument(
        "--role",
        action="append",
        required=True,
        metavar="角色",
        help="角色,可重复:客服专员、客服经理、部门经理、总经理、管理员",
    )
    p.add_argument("--department", metavar="部门", help="所属部门(部门经理必填)")
    p.add_argument(
        "--temp-password", action="store_true", help="生成随机临时密码并显示(首次登录须修改)"
    )
    p.set_defaults(func=run_add)

    p = us.add_parser("list", help="列出用户")
    p.set_defaults(func=run_list)

    p = us.add_parser("edit", help="修改显示名、角色或部门")
    p.add_argument("login", metavar="LOGIN")
    p.add_argument("--name")
    p.add_argument("--role", action="append", metavar="角色", help="新的角色(全部列出,可重复)")
    p.add_argument("--department", metavar="部门", help="所属部门;空字符串表示无")
    p.set_defaults(func=run_edit)

    p = us.add_parser("passwd", help="重置密码(管理员),或修改自己的密码")
    p.add_argument("login", metavar="LOGIN")
    p.add_argument("--temp-password", action="store_true", help="生成随机临时密码并显示")
    p.set_defaults(func=run_passwd)

    for name, help_text, func in (
        ("unlock", "解除锁定", run_unlock),
        ("disable", "停用账户(保留其历史)", run_disable),
        ("enable", "重新启用账户", run_enable),
    ):
        p = us.add_parser(name, help=help_text)
        p.add_argument("login", metavar="LOGIN")
        p.set_defaults(func=func)

    a = sub.add_parser(
        "audit",
        help="查看审计日志(谁在何时改了什么)",
        description="列出审计日志,最新的在前;--verify 检查哈希链是否完整。",
    )
    a.add_argument("--since", metavar="DATE", help="从此日期起,如 2026-11-01")
    a.add_argument("--until", metavar="DATE", help="到此日期止(含当天)")
    a.add_argument("--user", dest="audit_user", metavar="X", help="只看此用户(登录名或显示名)")
    a.add_argument("--event", metavar="E", help="只看此事件,如 sign_in、case.update、case")
    a.add_argument("--case", metavar="NUMBER", help="只看此投诉单,如 SH01-202611-0001")
    a.add_argument("--limit", type=int, default=200, help="最多列出几条(默认 200)")
    a.add_argument("--xlsx", type=Path, metavar="FILE", help="导出为 Excel 文件")
    a.add_argument("--verify", action="store_true", help="检查审计日志的哈希链")
    a.add_argument(
        "--site",
        dest="audit_site",
        metavar="CODE",
        help="与 --verify 同用:检查从台账收到的此站点的审计记录链(总部用)",
    )
    a.set_defaults(func=run_audit)

    n = sub.add_parser(
        "anonymise",
        help="匿名化多年前已关闭投诉单的客户姓名与电话(个人信息保护)",
        description="把关闭超过 N 年的投诉单的客户姓名改为“(已匿名)”、清除电话。"
        "不加 --yes 时只显示将影响多少张。需要管理员角色,记入审计日志。",
    )
    n.add_argument(
        "--years",
        type=int,
        default=None,
        help="关闭超过几年(默认取设置 privacy.anonymise_after_years)",
    )
    n.add_argument("--yes", action="store_true", help="确认执行(无法撤销)")
    n.set_defaults(func=run_anonymise)


def _open(args):
    open_data(args)
    return command_context(args)


def _new_password(args, login: str) -> tuple[str, bool]:
    """(password, shown): from the environment, a random one, or a prompt."""
    if getattr(args, "temp_password", False):
        return users.temporary_password(), True
    env = os.environ.get(NEW_PASSWORD_ENV)
    if env is not None:
        return env, False
    first = ask_password(f"{login} 的新密码:")
    if ask_password("再输入一次:") != first:
        raise CliError("两次输入的密码不一致")
    return first, False


def _now() -> datetime:
    return datetime.now(UTC)


def run_add(args) -> int:
    ctx = _open(args)
    password, shown = _new_password(args, args.login)
    if users.needs_first_admin():
        if Role.ADMIN.value not in args.role:
            raise CliError("尚无用户账户:第一个账户必须是管理员(--role 管理员)")
        u = users.create_first_admin(
            args.login, args.name, password, now=_now(), must_change_password=shown
        )
        extra = set(args.role) - {Role.ADMIN.value}
        if extra or args.department:
            u = users.update_user(
                users.context_for_user(u), u.login, roles=args.role, department=args.department
            )
    else:
        u = users.add_user(
            ctx, args.login, args.name, args.role, password, department=args.department
        )
    print(
        f"已新增用户 {u.login}({u.display_name},{u.roles_text}"
        + (f",{u.department}" if u.department else "")
        + ")"
    )
    if shown:
        print(f"临时密码:{password}(首次登录须修改)")
    return 0


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _table(headers, rows) -> str:
    table = [tuple(headers), *rows]
    widths = [max(_width(r[c]) for r in table) for c in range(len(headers))]
    return "\n".join(
        "  ".join(v + " " * (w - _width(v)) for v, w in zip(r, widths, strict=True)).rstrip()
        for r in table
    )


def run_list(args) -> int:
    ctx = _open(args)
    auth.require(ctx, "users.manage")
    now = _now()
    rows = []
    for u in users.list_users():
        state = (
            "停用"
            if not u.active
            else f"锁定至 {ctx.local(u.locked_until):%H:%M}"
            if u.is_locked(now)
            else "正常"
        )
        if u.must_change_password and u.active:
            state += "(须改密码)"
        last = f"{ctx.local(u.last_sign_in_at):%Y-%m-%d %H:%M}" if u.last_sign_in_at else ""
        rows.append((u.login, u.display_name, u.roles_text, u.department or "", state, last))
    if not rows:
        print("尚无用户账户。")
        return 0
    print(_table(("登录名", "显示名", "角色", "部门", "状态", "上次登录"), rows))
    return 0


def run_edit(args) -> int:
    ctx = _open(args)
    kwargs = {}
    if args.department is not None:
        kwargs["department"] = args.department or None
    u = users.update_user(ctx, args.login, display_name=args.name, roles=args.role, **kwargs)
    print(
        f"已修改用户 {u.login}({u.display_name},{u.roles_text}"
        + (f",{u.department}" if u.department else "")
        + ")"
    )
    return 0


def run_passwd(args) -> int:
    ctx = _open(args)
    target = users.get_user(args.login)
    own = ctx.user_id == target.id
    if own and not auth.allowed(ctx, "users.manage"):
        old = os.environ.get(PASSWORD_ENV)
        if old is None:
            old = ask_password("当前密码:")
        new, shown = _new_password(args, target.login)
        if shown:
            raise CliError("修改自己的密码时不能使用临时密码")
        users.change_own_password(ctx, old, new)
        print("密码已修改。")
        return 0
    new, shown = _new_password(args, target.login)
    users.reset_password(ctx, target.login, new, must_change=not own)
    print(f"已重置 {target.login} 的密码" + ("" if own else ",下次登录须修改") + "。")
    if shown:
        print(f"临时密码:{new}")
    return 0


def run_unlock(args) -> int:
    users.unlock(_open(args), args.login)
    print(f"已解除 {args.login} 的锁定。")
    return 0


def run_disable(args) -> int:
    users.disable(_open(args), args.login)
    print(f"已停用 {args.login}。")
    return 0


def run_enable(args) -> int:
    users.enable(_open(args), args.login)
    print(f"已启用 {args.login}。")
    return 0


def _day(text: str | None, tz, what: str):
    if not text:
        return None
    try:
        d = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CliError(f"{what} 的日期“{text}”无法识别,应如 2026-11-01") from None
    if d.tzinfo is None:
        d = (
            datetime.combine(d.date(), time(), tz)
            if len(text.strip()) <= 10
            else d.replace(tzinfo=tz)
        )
    return d


def run_audit(args) -> int:
    ctx = _open(args)
    auth.require(ctx, "audit.view")
    site = (args.audit_site or "").strip().upper()
    if site and not args.verify:
        raise CliError("--site 须与 --verify 同用")
    if args.verify and site and site != ctx.site:  # a branch's chain held here
        problems = audit_exchange.verify_site_chain(site)
        for p in problems:
            print(p)
        held = audit_exchange.held_sites()
        print(
            f"站点 {site} 的审计记录链完整。"
            if not problems
            else f"站点 {site}:发现 {len(problems)} 个问题。"
            + (f"(本站保存了这些站点的审计记录:{'、'.join(held)})" if held else ""),
            file=sys.stdout if not problems else sys.stderr,
        )
        return 0 if not problems else 1
    if args.verify:
        problems = audit.verify_chain()
        for p in problems:
            print(p)
        print(
            "审计日志完整。" if not problems else f"发现 {len(problems)} 个问题。",
            file=sys.stdout if not problems else sys.stderr,
        )
        return 0 if not problems else 1
    since = _day(args.since, ctx.tz, "--since")
    until = _day(args.until, ctx.tz, "--until")
    if until is not None and args.until and len(args.until.strip()) <= 10:
        until += timedelta(days=1)  # the whole day
    actor = args.audit_user
    if actor:
        with contextlib.suppress(NotFound):
            actor = users.get_user(actor).display_name
    uid = None
    if args.case:
        uid = cases.get_case(cases.find_case_id(args.case))["uid"]
    rows = audit.entries(
        since=since, until=until, actor=actor, event=args.event, uid=uid, limit=args.limit
    )
    if args.xlsx:
        path = audit_export.export_entries(ctx, args.xlsx, rows)
        print(f"已导出 {len(rows)} 条到 {path}")
        return 0
    if not rows:
        print("没有符合条件的审计记录。")
        return 0
    table = []
    for r in rows:
        target = f"{r.table}/{r.uid}" if r.table and r.uid else (r.table or "")
        detail = "; ".join(x for x in (r.note, audit_export.format_changes(r.changes)) if x)
        table.append(
            (
                str(r.id),
                f"{ctx.local(r.at):%Y-%m-%d %H:%M:%S}",
                r.actor,
                r.event_label,
                target,
                detail,
            )
        )
    print(_table(("序号", "时间", "用户", "事件", "对象", "说明"), table))
    return 0


def run_anonymise(args) -> int:
    ctx = _open(args)
    auth.require(ctx, "privacy.anonymise")
    now = ctx.now()
    if not args.yes:
        n = users.anonymise_candidates(args.years, now)
        print(f"将匿名化 {n} 张投诉单的客户姓名与电话(无法撤销)。确认请加 --yes。")
        return 0
    with ProgressLine("正在匿名化") as progress:
        n = users.anonymise_closed_cases(ctx, args.years, now, progress)
    print(f"已匿名化 {n} 张投诉单。")
    return 0

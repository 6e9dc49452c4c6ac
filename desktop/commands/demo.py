"""``demo``: fill the database with a year of realistic demo cases.

    demo --cases N [--seed S] [--site CODE --name NAME] [--with-users]

Initialises the site first when the database is new (default SH01 上海浦东店).
The same seed on the same day gives the same data.
"""

from __future__ import annotations

import dataclasses
import sys

from complaints.rules.permissions import ROLES
from complaints.usecases import site, stats
from complaints.usecases.context import Context
from complaints.usecases.demo import load_demo
from complaints.usecases.demo_users import create_demo_users
from complaints.usecases.errors import UseCaseError
from desktop.cli import CliError, open_data

DEFAULT_SITE = ("SH01", "上海浦东店")


def register(sub) -> None:
    p = sub.add_parser(
        "demo",
        help="生成演示数据(一年的投诉单及跟踪记录)",
        description="生成演示数据:过去十二个月的投诉单,各种状态、渠道与类别,"
        "含跟踪记录与奖惩;数据相对于当前时间生成,同一种子在同一时刻生成相同的数据。",
    )
    p.add_argument("--cases", type=int, required=True, metavar="N", help="生成多少条投诉单")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="随机种子(默认 1)")
    p.add_argument("--site", metavar="CODE", help=f"新数据库的站点代码(默认 {DEFAULT_SITE[0]})")
    p.add_argument("--name", metavar="NAME", help=f"新数据库的站点名称(默认 {DEFAULT_SITE[1]})")
    p.add_argument(
        "--with-users",
        action="store_true",
        help="同时为每个角色建一个演示账户(客服专员、客服经理、部门经理、总经理),"
        "并打印各自的登录名和临时密码",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    if args.cases < 0:
        raise CliError("--cases 不能为负数")
    open_data(args, must_exist=False)
    try:
        info = site.local_site()
        if info is None:
            code = args.site or DEFAULT_SITE[0]
            name = args.name or (DEFAULT_SITE[1] if not args.site else code)
            site.init_site(code, name, now=Context(site=code, actor="").now())
            print(f"已初始化站点 {code}({name})")
        elif args.site and site.check_site_code(args.site) != info.code:
            raise CliError(f"本数据库已属于站点 {info.code},不能为 {args.site} 生成演示数据")
        ctx = dataclasses.replace(site.context_for("演示数据"), roles=frozenset(ROLES))
        interactive = sys.stdout.isatty()
        last = [-1]

        def progress(done: int, total: int) -> None:
            pct = done * 100 // total if total else 100
            if interactive:
                print(f"\r生成中… {done}/{total}({pct}%)", end="", flush=True)
            elif pct // 10 != last[0] // 10 or done == total:
                print(f"生成中… {done}/{total}({pct}%)", flush=True)
            last[0] = pct

        report = load_demo(ctx, args.cases, seed=args.seed, progress=progress)
        logins = create_demo_users(ctx) if getattr(args, "with_users", False) else []
    except UseCaseError as e:
        raise CliError(str(e)) from None
    if interactive:
        print()
    span = f",编号 {report.first_number} 至 {report.last_number}" if report.cases else ""
    print(
        f"已生成 {report.cases} 条投诉单、{report.entries} 条跟踪记录、"
        f"{report.sanctions} 条奖惩记录{span},"
        f"用时 {report.seconds:.1f} 秒"
    )
    if report.cases:
        # The 统计 page then opens any month from kept summaries, as after the app's own
        # background fill.
        kept = stats.fill_summaries(ctx.now(), ctx.tz)
        print(f"已汇总 {kept} 条已关闭投诉单的统计摘要")
    if logins:
        print_logins(logins)
    return 0


def print_logins(logins) -> None:
    """Each demo account with its temporary password (changed at its first sign-in)."""
    print("演示账户(首次登录时须修改密码):")
    for u in logins:
        role = u.role + (f"({u.department})" if u.department else "")
        password = u.password or "(账户已存在,密码未改)"
        print(f"  {role}\t登录名 {u.login}\t临时密码 {password}")

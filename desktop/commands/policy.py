"""``policy``: the office's complaint policy from the command line.

    policy show [--at ISO-TIME]                    one ``KEY = VALUE`` line each
    policy set KEY VALUE [--from ISO-TIME]
    policy export OUT [--binding [--reason TEXT]] [--from ISO-TIME] [--templates]
    policy import FILE [--from ISO-TIME] [--dry-run]

Keys: D1…D11 (durations such as 2h, 30m, 3d; D4 a time of day such as 17:30; D2.media and
D11.onsite), D1.clock…D11.clock (calendar or office), office_hours (mon-fri 08:30-17:30),
at_risk_share (0.25) and the sanction amounts (s1_grumble … s11, yuan). A new version applies
to cases received from its start: now, or the --from time.

``export`` writes headquarters' rulebook (policy, calendar, optionally the form templates) as
one file; ``import`` prints every change it makes (old → new), backs up, then imports it.
"""

from __future__ import annotations

from complaints.rules.policy import POLICY_KEYS, policy_key_values
from complaints.usecases import policy as policy_uc
from complaints.usecases import rulebook
from desktop.cli import cli_time, opened_context
from desktop.paths import data_paths


def register(sub) -> None:
    p = sub.add_parser(
        "policy",
        help="制度参数:查看、修改(时限、计时方式、奖惩金额)",
        description="投诉处理制度参数。修改后的参数只适用于生效时间以后登记的投诉单。",
    )
    s = p.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    sh = s.add_parser("show", help="列出某时刻生效的制度参数(每行 KEY = VALUE)")
    sh.add_argument("--at", metavar="ISO-TIME", help="按此时刻(默认现在)")
    sh.set_defaults(func=run_show)
    st = s.add_parser("set", help="修改一项制度参数(新版本,自 --from 或现在起生效)")
    st.add_argument("key", metavar="KEY")
    st.add_argument("value", metavar="VALUE")
    st.add_argument(
        "--from",
        dest="start",
        metavar="ISO-TIME",
        help="生效时间(默认现在),如 2027-01-01T00:00+08:00",
    )
    st.set_defaults(func=run_set)
    ex = s.add_parser("export", help="导出总部制度文件(制度参数、工作日历、表单模板)")
    ex.add_argument("out", metavar="OUT", help="新文件,如 总部制度-2027.zip")
    ex.add_argument("--binding", action="store_true", help="约束性:分店导入后不能修改制度参数")
    ex.add_argument("--reason", default="", metavar="TEXT", help="约束性的原因(分店可见)")
    ex.add_argument("--from", dest="start", metavar="ISO-TIME", help="生效时间(默认:分店导入时)")
    ex.add_argument("--templates", action="store_true", help="同时带上本站自己的表单模板")
    ex.set_defaults(func=run_export)
    im = s.add_parser("import", help="导入总部制度文件(先列出每一处修改,先备份)")
    im.add_argument("file", metavar="FILE")
    im.add_argument(
        "--from",
        dest="start",
        metavar="ISO-TIME",
        help="生效时间(默认:文件所定的,否则现在)",
    )
    im.add_argument("--dry-run", action="store_true", help="只列出修改,不导入")
    im.set_defaults(func=run_import)


def run_show(args) -> int:
    ctx = opened_context(args)
    at = cli_time(args.at, ctx.tz, "--at") or ctx.now()
    for key, value in policy_key_values(policy_uc.book().at(at)):
        print(f"{key} = {value}")
    return 0


def run_set(args) -> int:
    ctx = opened_context(args)
    start = cli_time(args.start, ctx.tz, "--from")
    p = policy_uc.set_key(ctx, args.key, args.value, start)
    value = dict(policy_key_values(p))[args.key] if args.key in POLICY_KEYS else args.value
    when = f"{(start or ctx.now()).astimezone(ctx.tz):%Y-%m-%d %H:%M}"
    print(f"已修改 {args.key} = {value},适用于 {when} 起登记的投诉单")
    return 0


def run_export(args) -> int:
    ctx = opened_context(args)
    start = cli_time(args.start, ctx.tz, "--from")
    out = rulebook.export(
        ctx,
        args.out,
        data_paths(args.data_dir).templates,
        binding=args.binding,
        reason=args.reason,
        effective_from=start,
        with_templates=args.templates,
    )
    print(f"已导出总部制度文件 {out}{'(约束性)' if args.binding else ''}")
    return 0


def run_import(args) -> int:
    ctx = opened_context(args)
    start = cli_time(args.start, ctx.tz, "--from")
    paths = data_paths(args.data_dir)
    templates = paths.templates
    if args.dry_run:
        for line in rulebook.preview(ctx, args.file, templates, start).lines(ctx):
            print(line)
        print("(--dry-run:未导入)")
        return 0
    # the data folder's backups, on the server too (whose database has no folder of its own)
    result = rulebook.import_file(ctx, args.file, templates, start, backup_dir=paths.backups)
    for line in result.preview.lines(ctx):
        print(line)
    print(f"已导入;导入前的数据已备份到 {result.backup}")
    return 0

"""``sanctions``: fines and rewards from the command line (the 奖惩 page's use cases).

    sanctions list [--month 2026-11] [--state 待审批|已批准|已驳回|已撤回] [--department D]
                   [--person P] [--type 罚款|奖励]
    sanctions approve UID [--amount N] [--note TEXT]
    sanctions reject UID --reason TEXT
    sanctions totals --month 2026-11
    sanctions add --type 罚款|奖励 --person P --department D --amount N --reason TEXT [--case NO]
    sanctions event CASE-NUMBER 客户表扬|锦旗|处理单遗失 [--note TEXT]
    sanctions sweep [--days 14]

UID is the 记录ID (or its first 8 characters, as printed on the notice). Approving and
rejecting need the general manager (``--user``).
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Sequence

from complaints.usecases import proposals, sanctions
from complaints.usecases.cases import find_case_id
from desktop.cli import opened_context

HEADERS = (
    "记录ID",
    "日期",
    "规则",
    "类型",
    "部门",
    "姓名",
    "金额",
    "范围",
    "状态",
    "投诉编号",
    "原因",
)


def register(sub) -> None:
    p = sub.add_parser(
        "sanctions",
        help="奖惩:列出、审批、驳回、月度合计",
        description="按制度提出的罚款与奖励建议,由总经理审批。",
    )
    s = p.add_subparsers(dest="sanctions_command", metavar="ACTION", required=True)
    ls = s.add_parser("list", help="列出奖惩记录(默认不含已撤回)")
    ls.add_argument("--month", metavar="YYYY-MM", help="按奖惩日期所在月份,如 2026-11")
    ls.add_argument("--state", choices=("待审批", "已批准", "已驳回", "已撤回"))
    ls.add_argument("--department", metavar="部门")
    ls.add_argument("--person", metavar="姓名")
    ls.add_argument("--type", choices=("罚款", "奖励"))
    ls.set_defaults(func=run_list)
    ap = s.add_parser("approve", help="批准一条奖惩建议(总经理)")
    ap.add_argument("uid", metavar="UID")
    ap.add_argument("--amount", type=int, metavar="N", help="金额(元),须在规则范围内")
    ap.add_argument("--note", default="", help="批示")
    ap.set_defaults(func=run_approve)
    rj = s.add_parser("reject", help="驳回一条奖惩建议(总经理,须写原因)")
    rj.add_argument("uid", metavar="UID")
    rj.add_argument("--reason", required=True, help="驳回原因")
    rj.set_defaults(func=run_reject)
    tt = s.add_parser("totals", help="某月已批准的罚款与奖励合计(按部门、按人)")
    tt.add_argument("--month", required=True, metavar="YYYY-MM")
    tt.set_defaults(func=run_totals)
    ad = s.add_parser("add", help="手工新增一条奖惩(仍须总经理批准)")
    ad.add_argument("--type", required=True, choices=("罚款", "奖励"))
    ad.add_argument("--person", required=True, metavar="姓名")
    ad.add_argument("--department", default="", metavar="部门")
    ad.add_argument("--amount", required=True, type=int, metavar="N")
    ad.add_argument("--reason", required=True)
    ad.add_argument("--case", metavar="投诉编号", help="相关投诉单编号(可不填)")
    ad.set_defaults(func=run_add)
    ev = s.add_parser("event", help="登记客户表扬(S10)、锦旗(S11)或处理单遗失(S9)")
    ev.add_argument("number", metavar="投诉编号")
    ev.add_argument("event", choices=("客户表扬", "锦旗", "处理单遗失"))
    ev.add_argument("--note", default="", help="说明")
    ev.set_defaults(func=run_event)
    sw = s.add_parser("sweep", help="按制度重新检查近期投诉单(如处理单逾期未回传,S8)")
    sw.add_argument("--days", type=int, default=14, help="检查最近多少天登记的投诉单")
    sw.set_defaults(func=run_sweep)


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _table(rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(_width(r[c]) for r in rows) for c in range(len(rows[0]))]
    return [
        "  ".join(v + " " * (w - _width(v)) for v, w in zip(r, widths, strict=True)).rstrip()
        for r in rows
    ]


def _ctx(args):
    return opened_context(args)


def run_list(args) -> int:
    _ctx(args)
    rows = sanctions.list_sanctions(
        sanctions.SanctionFilter(
            month=args.month,
            state=args.state,
            department=args.department,
            person=args.person,
            type=args.type,
        )
    )
    print(f"共 {len(rows)} 条")
    if rows:
        table = [HEADERS] + [
            (
                r["uid"][:8],
                r["date"].isoformat(),
                r["rule"] or sanctions.MANUAL,
                r["type"],
                r["department"] or "",
                r["person"] or "",
                str(r["amount"]),
                sanctions.range_text(r["amount_min"], r["amount_max"]),
                r["state"],
                r["case_number"] or "",
                r["reason"],
            )
            for r in rows
        ]
        print("\n".join(_table(table)))
    return 0


def run_approve(args) -> int:
    ctx = _ctx(args)
    r = sanctions.approve(ctx, args.uid, amount=args.amount, note=args.note)
    print(
        f"已批准:{r['rule'] or sanctions.MANUAL} {r['person'] or r['department']} "
        f"{r['type']} {r['amount']} 元({r['uid'][:8]})"
    )
    return 0


def run_reject(args) -> int:
    ctx = _ctx(args)
    r = sanctions.reject(ctx, args.uid, args.reason)
    print(
        f"已驳回:{r['rule'] or sanctions.MANUAL} {r['person'] or r['department']} "
        f"{r['type']} {r['amount']} 元({r['uid'][:8]}):{r['decision_note']}"
    )
    return 0


def run_totals(args) -> int:
    _ctx(args)
    t = sanctions.month_totals(args.month)
    out = [f"{t.month} 已批准:罚款 {t.fines} 元,奖励 {t.rewards} 元;待审批 {t.pending} 条"]
    for title, items, first in (
        ("按部门", t.by_department, "部门"),
        ("按人员", t.by_person, "姓名"),
    ):
        out.append(f"\n{title}")
        if not items:
            out.append("(无)")
            continue
        rows = [(first, "部门", "罚款", "奖励", "条数")] + [
            (i.name or "(未填)", i.department or "", str(i.fines), str(i.rewards), str(i.count))
            for i in items
        ]
        out.extend(_table(rows))
    sys.stdout.write("\n".join(out) + "\n")
    return 0


def run_add(args) -> int:
    ctx = _ctx(args)
    case_id = find_case_id(args.case) if args.case else None
    r = sanctions.add_manual(
        ctx,
        type=args.type,
        person=args.person,
        department=args.department,
        amount=args.amount,
        reason=args.reason,
        case_id=case_id,
    )
    print(f"已提交审批:{r['type']} {r['person']} {r['amount']} 元({r['uid'][:8]})")
    return 0


def run_event(args) -> int:
    ctx = _ctx(args)
    cid = find_case_id(args.number)
    sanctions.record_event(ctx, cid, args.event, args.note)
    rows = sanctions.list_sanctions(sanctions.SanctionFilter(case_id=cid, state=sanctions.PENDING))
    print(f"已登记“{args.event}”;{args.number} 待审批的奖惩 {len(rows)} 条")
    return 0


def run_sweep(args) -> int:
    ctx = _ctx(args)
    r = proposals.sweep(ctx, days=args.days)
    print(
        f"新提出 {len(r.created) + len(r.revived)} 条,调整 {len(r.updated)} 条,"
        f"撤回 {len(r.withdrawn)} 条"
    )
    return 0

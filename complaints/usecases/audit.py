"""The append-only, hash-chained audit trail.

Each entry records who (user id and name), when, what event, which record (table and
uid), which fields changed (old → new, as JSON), and a note. Entries are written with raw
SQL so the hash covers exactly the stored text: hash = sha256 over a canonical JSON list
of the entry's columns including the previous entry's hash. SQLite triggers refuse every
UPDATE and DELETE on the table, and ``audit_head`` remembers the last entry, so only an
edit of the raw file can change the log, and ``verify_chain`` finds such an edit.

Personal data (customer name, phone) is written masked in the field changes, so the log
that can never be cleaned does not keep what the anonymising clean-up removes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from enum import Enum
from pathlib import Path
from typing import Any

from complaints.rules.validation import mask_phone
from complaints.usecases.context import CHINA_TZ, Context, parse_tz
from db.timeutil import from_db, to_db

# peewee's database is imported inside the functions that use it: the start-up's first
# screen imports this module (through auth) before peewee is imported (issue 2 §8).

GENESIS = "0" * 64
HASHED = (
    "id",
    "at",
    "site",
    "user_id",
    "actor",
    "event",
    "tbl",
    "record_uid",
    "changes",
    "note",
    "prev_hash",
)
COLUMNS = (*HASHED, "hash")
PROTECTING_TRIGGERS = ("audit_log_no_update", "audit_log_no_delete", "audit_log_head")

# Events written by the permission and account use cases (others name their own).
EVENT_LABELS = {
    "sign_in": "登录",
    "sign_in.failed": "登录失败",
    "sign_in.locked": "账户锁定",
    "sign_out": "退出登录",
    "permission.denied": "操作被拒绝",
    "user.create": "新增用户",
    "user.update": "修改用户",
    "user.password_reset": "重置密码",
    "user.password_change": "修改密码",
    "user.unlock": "解锁账户",
    "user.disable": "停用用户",
    "user.enable": "启用用户",
    "case.create": "登记投诉单",
    "case.update": "修改投诉单",
    "case.delete": "删除投诉单",
    "case.track": "记录跟踪动作",
    "attachment.add": "添加附件",
    "attachment.remove": "删除附件",
    "privacy.anonymise": "匿名化清理",
    "audit.export": "导出审计日志",
    "audit.chain_break": "站点审计记录不连续",
    "data.backup": "备份数据",
    "data.restore": "恢复数据",
    "demo.load": "生成演示数据",
    "demo.sanctions": "生成演示奖惩",
    "form.print": "打印表单",
    "form.signed_returned": "签字表单已交回",
    "form.template_replaced": "替换表单模板",
    "form.template_restored": "恢复默认表单模板",
    "ledger.export": "导出台账",
    "ledger.import": "导入台账",
    "ledger.resolve": "处理导入冲突",
    "sanction.propose": "提出奖惩建议",
    "sanction.repropose": "重新提出奖惩建议",
    "sanction.update": "更新奖惩建议",
    "sanction.withdraw": "撤回奖惩建议",
    "sanction.approve": "批准奖惩",
    "sanction.reject": "驳回奖惩",
    "sanction.manual": "手工添加奖惩",
    "settings.policy": "修改制度参数",
    "settings.calendar": "导入或修改工作日历",
    "settings.update": "修改设置",
    "stats.report": "生成统计报告",
    "stats.volume": "填写业务量",
}

PERSONAL_FIELDS: dict[str, Callable[[Any], Any]] = {
    "phone": lambda v: mask_phone(v) if v else v,
    "customer_name": lambda v: (str(v)[:1] + "*" * (len(str(v)) - 1)) if v else v,
}


def _jsonable(v: Any) -> Any:
    if v is None or isinstance(v, bool | int | float | str):
        return v
    if isinstance(v, Enum):
        return v.value
    if isinstance(v, datetime):
        return to_db(v) if v.tzinfo else v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, list | tuple | set | frozenset):
        items = [_jsonable(x) for x in v]
        return sorted(items, key=str) if isinstance(v, set | frozenset) else items
    if isinstance(v, Mapping):
        return {str(k): _jsonable(x) for k, x in v.items()}
    return str(v)


def changes_json(changes: Mapping[str, tuple[Any, Any]] | None) -> str:
    """Canonical JSON of field → [old, new], personal fields masked."""
    out = {}
    for name, (old, new) in (changes or {}).items():
        mask = PERSONAL_FIELDS.get(name)
        if mask:
            old, new = mask(old), mask(new)
        elif "password" in name.lower():  # a typed password never enters the log (§7)
            old, new = ("******" if old else old), ("******" if new else new)
        out[name] = [_jsonable(old), _jsonable(new)]
    return json.dumps(out, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def entry_hash(row: Mapping[str, Any]) -> str:
    import hashlib  # here, not at import: the start-up's first screen records nothing

    payload = json.dumps([row[k] for k in HASHED], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _append(execute: Callable[..., Any], row: dict[str, Any]) -> int:
    """Insert ``row`` after the current last entry; returns its id."""
    last = execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    head = execute("SELECT last_id FROM audit_head WHERE id = 1").fetchone()
    last_id = max(last[0] if last else 0, head[0] if head else 0)
    row = dict(row, id=last_id + 1, prev_hash=last[1] if last else GENESIS)
    row["hash"] = entry_hash(row)
    execute(
        f"INSERT INTO audit_log ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})",
        tuple(row[k] for k in COLUMNS),
    )
    return row["id"]


def _row(
    ctx: Context,
    event: str,
    table: str | None,
    uid: str | None,
    changes: Mapping[str, tuple[Any, Any]] | None,
    note: str,
) -> dict[str, Any]:
    return {
        "at": to_db(ctx.now()),
        "site": ctx.site or "",
        "user_id": ctx.user_id,
        "actor": ctx.actor or "",
        "event": event,
        "tbl": table,
        "record_uid": None if uid is None else str(uid),
        "changes": changes_json(changes),
        "note": note or "",
    }


def record(
    ctx: Context,
    event: str,
    *,
    table: str | None = None,
    uid: str | None = None,
    changes: Mapping[str, tuple[Any, Any]] | None = None,
    note: str = "",
) -> None:
    """Append one audit entry: ``event`` like "case.update", "sign_in", "ledger.export";
    ``changes`` maps field name → (old, new). Call inside the same transaction as the change."""
    from db.models import database

    row = _row(ctx, event, table, uid, changes, note)
    with database.atomic():
        _append(database.execute_sql, row)


AuditItem = tuple[str, str | None, str | None, Mapping[str, tuple[Any, Any]] | None, str]


def record_many(ctx: Context, items: Iterable[AuditItem]) -> int:
    """Append one entry per ``(event, table, uid, changes, note)``, in order: the same chain
    as that many ``record`` calls, written with one statement (a bulk write's entries,
    issue 23 §3). Call inside the same transaction as the change; returns how many."""
    from contextlib import nullcontext

    from db.models import database

    at = to_db(ctx.now())
    # Inside the caller's transaction as it is: under a savepoint of its own the insert took
    # ~0.7 ms an entry instead of ~10 µs (98k entries: minutes).
    with nullcontext() if database.in_transaction() else database.atomic():
        execute = database.execute_sql
        last = execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        head = execute("SELECT last_id FROM audit_head WHERE id = 1").fetchone()
        last_id = max(last[0] if last else 0, head[0] if head else 0)
        prev = last[1] if last else GENESIS
        rows = []
        for event, table, uid, changes, note in items:
            last_id += 1
            row = dict(
                _row(ctx, event, table, uid, changes, note), at=at, id=last_id, prev_hash=prev
            )
            row["hash"] = prev = entry_hash(row)
            rows.append(tuple(row[k] for k in COLUMNS))
        if rows:
            database.cursor().executemany(
                f"INSERT INTO audit_log ({', '.join(COLUMNS)}) VALUES "
                f"({', '.join('?' for _ in COLUMNS)})",
                rows,
            )
    return len(rows)


def record_now(
    ctx: Context,
    event: str,
    *,
    table: str | None = None,
    uid: str | None = None,
    changes: Mapping[str, tuple[Any, Any]] | None = None,
    note: str = "",
) -> None:
    """Append an entry that must survive even if the caller's transaction rolls back
    (a refused action, a failed sign-in): when a transaction is open, it is written in a
    transaction of its own as soon as the caller's has ended, committed or rolled back (the
    caller's holds the write lock from its start, issue 15 §4, so no other connection could
    write it meanwhile)."""
    from db.models import database

    row = _row(ctx, event, table, uid, changes, note)

    def write() -> None:
        with database.atomic():
            _append(database.execute_sql, row)

    database.after_transaction(write)


# --- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    site: str
    user_id: int | None
    actor: str
    event: str
    table: str | None
    uid: str | None
    changes: dict[str, list[Any]]
    note: str

    @property
    def event_label(self) -> str:
        return EVENT_LABELS.get(self.event, self.event)


def entries(
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    actor: str | None = None,
    event: str | None = None,
    table: str | None = None,
    uid: str | None = None,
    text: str | None = None,
    limit: int | None = None,
    newest_first: bool = True,
) -> list[AuditRow]:
    """Filtered audit entries for the audit page, the CLI and the 历史 tab."""
    from db.models import database

    where, params = [], []
    if since is not None:
        where.append("at >= ?")
        params.append(to_db(since))
    if until is not None:
        where.append("at < ?")
        params.append(to_db(until))
    if actor:
        where.append("actor = ?")
        params.append(actor)
    if event:
        where.append("(event = ? OR event LIKE ?)")
        params += [event, event + ".%"]
    if table:
        where.append("tbl = ?")
        params.append(table)
    if uid:
        where.append("record_uid = ?")
        params.append(uid)
    if text:
        where.append("(note LIKE ? OR changes LIKE ? OR event LIKE ?)")
        params += [f"%{text}%"] * 3
    sql = (
        "SELECT id, at, site, user_id, actor, event, tbl, record_uid, changes, note FROM audit_log"
    )
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id " + ("DESC" if newest_first else "ASC")
    if limit:
        sql += f" LIMIT {int(limit)}"
    return [
        AuditRow(
            r[0], from_db(r[1]), r[2], r[3], r[4], r[5], r[6], r[7], json.loads(r[8] or "{}"), r[9]
        )
        for r in database.execute_sql(sql, params).fetchall()
    ]


def actors() -> list[str]:
    from db.models import database

    return [
        r[0]
        for r in database.execute_sql(
            "SELECT DISTINCT actor FROM audit_log ORDER BY actor"
        ).fetchall()
    ]


# --- verification ---------------------------------------------------------------------------


def _site_tz() -> tzinfo:
    from db.models import database

    try:
        row = database.execute_sql("SELECT value FROM settings WHERE key='site.tz'").fetchone()
        return parse_tz(json.loads(row[0])) if row else CHINA_TZ
    except Exception:
        return CHINA_TZ


def verify_chain() -> list[str]:
    """Problems of the audit log, one message each (empty: intact). Finds an entry changed,
    removed (also the last ones) or moved, and the protecting triggers dropped."""
    from db.models import database

    tz = _site_tz()
    problems: list[str] = []

    def when(text: str | None) -> str:
        try:
            return from_db(text).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
        except Exception:
            return str(text)

    present = {
        r[0]
        for r in database.execute_sql(
            "SELECT name FROM sqlite_master WHERE type='trigger'"
        ).fetchall()
    }
    missing = [t for t in PROTECTING_TRIGGERS if t not in present]
    if missing:
        problems.append(f"审计日志的保护触发器已被删除:{'、'.join(missing)}")
    rows = database.execute_sql(
        f"SELECT {', '.join(COLUMNS)} FROM audit_log ORDER BY id"
    ).fetchall()
    prev_hash, prev_id = GENESIS, 0
    for r in rows:
        row = dict(zip(COLUMNS, r, strict=True))
        label = f"第 {row['id']} 条({when(row['at'])},{row['event']})"
        if row["id"] != prev_id + 1:
            gap = row["id"] - prev_id - 1
            problems.append(f"审计日志第 {prev_id + 1}–{row['id'] - 1} 条({gap} 条)被删除")
        if row["prev_hash"] != prev_hash:
            if row["id"] == prev_id + 1:
                problems.append(
                    f"审计日志{label}与前一条不相接:其前面的记录被改动、删除或调换了顺序"
                )
        if entry_hash(row) != row["hash"]:
            problems.append(f"审计日志{label}的内容被改动")
        prev_hash, prev_id = row["hash"], row["id"]
    head = database.execute_sql("SELECT last_id, last_hash FROM audit_head WHERE id=1").fetchone()
    if head is None:
        problems.append("审计日志的链头记录(audit_head)已被删除")
    elif head[0] > prev_id:
        problems.append(
            f"审计日志最后的 {head[0] - prev_id} 条(第 {prev_id + 1}–{head[0]} 条)被删除"
        )
    elif head[0] == prev_id and prev_id and head[1] != prev_hash:
        problems.append(f"审计日志最后一条(第 {prev_id} 条)被改动或替换")
    elif head[0] < prev_id:
        problems.append(f"审计日志的链头停在第 {head[0]} 条,之后的记录不是由本程序写入的")
    return problems


# --- export ---------------------------------------------------------------------------------

EXPORT_HEADERS = (
    "序号",
    "时间",
    "站点",
    "用户",
    "事件",
    "事件代码",
    "表",
    "记录",
    "字段变更",
    "说明",
)


def show_value(v: Any) -> str:
    """A stored change value as a person reads it: lists joined, booleans as 是/否."""
    if v is None:
        return "None"
    if v is True or v is False:
        return "是" if v else "否"
    if isinstance(v, list):
        return "、".join(show_value(x) for x in v) or "(无)"
    return str(v)


def format_changes(changes: Mapping[str, Sequence[Any]]) -> str:
    return ";".join(f"{k}: {show_value(v[0])} → {show_value(v[1])}" for k, v in changes.items())


def export_xlsx(rows: Sequence[AuditRow], path: Path, *, tz: tzinfo = CHINA_TZ) -> Path:
    """The audit entries on one sheet, for an auditor."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "审计日志"
    ws.append(EXPORT_HEADERS)
    for r in rows:
        ws.append(
            [
                r.id,
                r.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
                r.site,
                r.actor,
                r.event_label,
                r.event,
                r.table or "",
                r.uid or "",
                format_changes(r.changes),
                r.note,
            ]
        )
    for col, width in zip("ABCDEFGHIJ", (8, 20, 8, 14, 14, 20, 10, 38, 60, 40), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    path = Path(path)
    wb.save(path)
    return path


def export_entries(ctx: Context, path: Path, rows: Sequence[AuditRow]) -> Path:
    """The audit page's and the CLI's Excel export: needs audit.view, and is itself audited."""
    from complaints.usecases import auth

    auth.require(ctx, "audit.view")
    from complaints.usecases.output_files import writing

    with writing(path):  # open in Excel: a message and another name, not a traceback
        out = export_xlsx(rows, path, tz=ctx.tz)
    record(ctx, "audit.export", note=f"导出审计日志 {len(rows)} 条到 {Path(path).name}")
    return out


def case_uids(case_id: int) -> list[str]:
    """The record uids that belong to one case: the case, its tracking entries, its
    attachments (by stored name) and its sanctions."""
    from db.models import database

    uids: list[str] = []
    for sql in (
        "SELECT uid FROM cases WHERE id = ?",
        "SELECT uid FROM entries WHERE case_id = ?",
        "SELECT stored_name FROM attachments WHERE case_id = ?",
        "SELECT uid FROM sanctions WHERE case_id = ?",
    ):
        uids += [r[0] for r in database.execute_sql(sql, (case_id,)).fetchall()]
    return uids


def case_history(case_id: int) -> list[AuditRow]:
    """Every audit entry about one case and its entries, attachments and sanctions,
    oldest first (the 历史 tab)."""
    from db.models import database

    uids = case_uids(case_id)
    if not uids:
        return []
    out: list[AuditRow] = []
    for i in range(0, len(uids), 500):
        chunk = uids[i : i + 500]
        rows = database.execute_sql(
            "SELECT id, at, site, user_id, actor, event, tbl, record_uid, changes, note "
            f"FROM audit_log WHERE record_uid IN ({', '.join('?' for _ in chunk)})",
            chunk,
        ).fetchall()
        out += [
            AuditRow(
                r[0],
                from_db(r[1]),
                r[2],
                r[3],
                r[4],
                r[5],
                r[6],
                r[7],
                json.loads(r[8] or "{}"),
                r[9],
            )
            for r in rows
        ]
    return sorted(out, key=lambda r: r.id)


# --- the trail held outside the branch (issue 15 §6) -----------------------------------------

# Entries a ledger carries again before the new ones: the receiver compares them with what
# it holds, so an entry removed or rewritten at this site is named exactly.
CHAIN_OVERLAP = 20


def _export_start(destination: str, whole: bool) -> int | None:
    from db import audit_chains

    head = audit_chains.own_head()
    if head is None:
        return None
    through = None if whole else audit_chains.exported_through(destination)
    if through is None:
        return 1
    return max(1, min(through + 1, head[0]) - CHAIN_OVERLAP)


def chain_for_export(destination: str, *, whole: bool) -> list[dict[str, Any]]:
    """The own entries a ledger to ``destination`` carries: those since the last ledger to
    it (all of them the first time, or when ``whole``), always at least the last entry, and
    CHAIN_OVERLAP entries before, so the receiver sees an entry that was removed or
    rewritten at this site."""
    from db import audit_chains

    start = _export_start(destination, whole)
    return [] if start is None else audit_chains.own_entries(start)


def count_for_export(destination: str, *, whole: bool) -> int:
    from db import audit_chains

    start = _export_start(destination, whole)
    return 0 if start is None else audit_chains.count_own_entries(start)


def mark_exported(destination: str, entries: Sequence[Mapping[str, Any]], at: datetime) -> None:
    from db import audit_chains

    if entries:
        audit_chains.set_exported_through(destination, entries[-1]["id"], to_db(at))


@dataclass
class ChainReceipt:
    """What importing one file's 审计记录 did: entries kept, problems (the chain does not
    continue what this site holds: said loudly, exit 1). The first ledger of a site may
    start anywhere in its chain (one exported before this site ran a version that keeps
    chains): the chain is held from there."""

    stored: int = 0
    problems: list[str] = field(default_factory=list)


class _Break(Exception):
    """Where a received chain stops continuing the one held: the message for a person."""


def _link_problem(site: str, prev: Mapping[str, Any] | None, e: Mapping[str, Any]) -> str:
    if entry_hash(e) != e["hash"]:
        return (
            f"站点 {site} 的审计记录第 {e['id']} 条的内容与其哈希不符(被改动):"
            f"首个不符的是第 {e['id']} 条"
        )
    if prev is not None and (e["id"] != prev["id"] + 1 or e["prev_hash"] != prev["hash"]):
        if e["id"] <= prev["id"]:
            return (
                f"站点 {site} 的审计记录顺序不对:第 {prev['id']} 条之后是第 {e['id']} 条"
                f"(首个不符的是第 {e['id']} 条)"
            )
        return (
            f"站点 {site} 的审计记录在第 {prev['id']} 条之后不相接(下一条是第 {e['id']} 条):"
            f"首个缺失的是第 {prev['id'] + 1} 条"
        )
    return ""


def receive_chain(
    ctx: Context,
    site: str,
    entries: Iterable[Mapping[str, Any]],
    file_name: str,
    exported_at: datetime | None,
) -> ChainReceipt:
    """Keep ``site``'s audit entries from one of its ledgers (oldest first, streamed), if
    they continue the chain held here; else keep none of them and say where the chain
    breaks (the site and the first entry missing or different), audited as
    ``audit.chain_break``. Call inside the import's transaction. A bad row of the sheet
    (ledger.audit_sheet.SheetProblem) is reported the same way."""
    from db import audit_chains
    from db.models import database
    from ledger.audit_sheet import SheetProblem

    got = ChainReceipt()
    held = audit_chains.held_head(site)
    received_at = to_db(ctx.now())
    first: Mapping[str, Any] | None = None
    prev: Mapping[str, Any] | None = None
    try:
        with database.atomic():  # a savepoint: a break keeps none of this file's entries
            try:
                for e in entries:
                    problem = _link_problem(site, prev, e)
                    if problem:
                        raise _Break(problem)
                    if first is None:
                        first = e
                    if held is not None and e["id"] <= held[0]:
                        kept = audit_chains.held_hash(site, e["id"])
                        if kept is not None and kept != e["hash"]:
                            earlier = "(或更早)" if e is first and e["id"] > 1 else ""
                            raise _Break(
                                f"站点 {site} 的审计记录第 {e['id']} 条{earlier}与本站已保存的"
                                "不同:该站点的审计日志自此被改动、删除后重写或从备份恢复,"
                                f"首个不符的是第 {e['id']} 条"
                            )
                    elif held is not None and e["id"] == held[0] + 1 and e["prev_hash"] != held[1]:
                        raise _Break(
                            f"站点 {site} 的审计记录第 {e['id']} 条与本站已保存的第 {held[0]} 条"
                            f"不相接:首个不符的是第 {held[0]} 条(被改动或删除后重写)"
                        )
                    elif held is not None and e["id"] > held[0] + 1 and e is first:
                        raise _Break(
                            f"站点 {site} 的审计记录不连续:本站已保存到第 {held[0]} 条,文件从第 "
                            f"{e['id']} 条开始,首个缺失的是第 {held[0] + 1} 条"
                            "(请该站点用“全部”导出一次)"
                        )
                    else:
                        got.stored += audit_chains.append_held(site, [e], received_at, file_name)
                    prev = e
            except SheetProblem as e:
                raise _Break(str(e)) from None
            if (
                held is not None
                and prev is not None
                and prev["id"] < held[0]
                and exported_at is not None
            ):
                held_at = audit_chains.held_at(site, held[0])
                if held_at is not None and from_db(held_at) < exported_at:
                    raise _Break(
                        f"站点 {site} 的审计记录只到第 {prev['id']} 条,"
                        f"而本站已保存到第 {held[0]} 条(在此文件导出之前写入):"
                        f"首个缺失的是第 {prev['id'] + 1} 条,"
                        "该站点删除了最后的审计记录"
                    )
    except _Break as e:  # the savepoint rolled back: none of this file's entries kept
        got.stored = 0
        got.problems.append(str(e))
        record(
            ctx, "audit.chain_break", table="site_audit_chains", uid=site, note=f"{file_name}:{e}"
        )
    return got


def _problems_within(site: str, entries: Iterable[Mapping[str, Any]]) -> list[str]:
    prev = None
    for e in entries:
        problem = _link_problem(site, prev, e)
        if problem:
            return [problem]
        prev = e
    return []


def verify_site_chain(site: str) -> list[str]:
    """Problems of ``site``'s chain as held here (empty: intact), and every break found
    when one of its ledgers was imported."""
    from db import audit_chains

    breaks = entries_of_breaks(site)
    if audit_chains.held_head(site) is None and not breaks:
        return [f"本站没有站点 {site} 的审计记录(尚未导入过该站点带“审计记录”的台账)"]
    problems = _problems_within(site, audit_chains.held_entries(site))
    problems += [
        f"导入时发现({r.at.astimezone(_site_tz()):%Y-%m-%d %H:%M}):{r.note}" for r in breaks
    ]
    return problems


def entries_of_breaks(site: str) -> list[AuditRow]:
    return entries(event="audit.chain_break", uid=site, newest_first=False)


def held_sites() -> list[str]:
    from db import audit_chains

    return audit_chains.held_sites()

"""The append-only, hash-chained audit trail.

Each entry records who (user id and name), when, what event, which record (table and
uid), which fields changed (old → new, as JSON), and a note. Entries are written with raw
SQL (db.audit_rows) so the hash covers exactly the stored text: hash = sha256 over a
canonical JSON list of the entry's columns including the previous entry's hash. SQLite
triggers refuse every UPDATE and DELETE on the table, and ``audit_head`` remembers the last
entry, so only an edit of the raw file can change the log, and ``verify_chain`` finds such
an edit.

Personal data (customer name, phone) is written masked in the field changes, so the log
that can never be cleaned does not keep what the anonymising clean-up removes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from enum import Enum
from typing import Any

from complaints.rules.validation import mask_phone
from complaints.usecases import settings
from complaints.usecases.context import CHINA_TZ, Context, parse_tz
from complaints.usecases.errors import CheckCancelled
from db import audit_rows
from db.models import database
from db.retry import retried
from db.timeutil import from_db, to_db

# The stored columns the hash covers: all but the hash itself.
HASHED = audit_rows.COLUMNS[:-1]

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
    "settings.rulebook": "导入总部制度",
    "settings.rulebook_export": "导出总部制度文件",
    "settings.update": "修改设置",
    "stats.report": "生成统计报告",
    "stats.volume": "填写业务量",
}

# The JSON of the stored changes and of the hashed columns: compact, Chinese as is, the
# changes' keys sorted. One encoder each (json.dumps with options builds one per call, a
# tenth of a bulk write's audit entries).
_CHANGES_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))
_HASHED_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))

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
            shown = (mask(old), mask(new))
        elif "password" in name.lower():  # a typed password never enters the log
            shown = ("******" if old else old, "******" if new else new)
        else:
            shown = (old, new)
        out[name] = [_jsonable(shown[0]), _jsonable(shown[1])]
    return _CHANGES_JSON.encode(out)


def entry_hash(row: Mapping[str, Any]) -> str:
    return _hashed([row[k] for k in HASHED])


def _hashed(values: list[Any]) -> str:
    """The hash of an entry whose HASHED columns hold ``values``, in that order."""
    return hashlib.sha256(_HASHED_JSON.encode(values).encode("utf-8")).hexdigest()


def _stored(row: Mapping[str, Any], entry_id: int, prev_hash: str) -> tuple[Any, ...]:
    """``row`` as stored after the entry ``prev_hash`` names: its id, the chain's hashes."""
    full = dict(row, id=entry_id, prev_hash=prev_hash)
    full["hash"] = entry_hash(full)
    return tuple(full[k] for k in audit_rows.COLUMNS)


@retried  # one transaction: run again if the office server undid it
def _append(row: Mapping[str, Any]) -> None:
    """Insert ``row`` after the current last entry, in a transaction (or savepoint)."""
    with database.atomic():
        last_id, prev_hash = audit_rows.tail()
        audit_rows.insert([_stored(row, last_id + 1, prev_hash)])


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
    _append(_row(ctx, event, table, uid, changes, note))


AuditItem = tuple[str, str | None, str | None, Mapping[str, tuple[Any, Any]] | None, str]


@retried  # one transaction: run again if the office server undid it
def record_many(ctx: Context, items: Iterable[AuditItem]) -> int:
    """Append one entry per ``(event, table, uid, changes, note)``, in order: the same chain
    as that many ``record`` calls, written with one statement (a bulk write's entries). Call
    inside the same transaction as the change; returns how many."""
    # The columns every entry shares (_row's, the time read once), then per entry its own
    # into the same list, in HASHED order: no dict per entry.
    shared = _row(ctx, "", None, None, None, "")
    template = [shared.get(k) for k in HASHED]
    i_id, i_prev, i_event, i_tbl, i_uid, i_changes, i_note = (
        HASHED.index(k)
        for k in ("id", "prev_hash", "event", "tbl", "record_uid", "changes", "note")
    )
    # Inside the caller's transaction as it is: under a savepoint of its own each insert
    # costs ~70 times more, minutes for a bulk write's 100k entries.
    with nullcontext() if database.in_transaction() else database.atomic():
        last_id, prev = audit_rows.tail()
        rows = []
        for event, table, uid, changes, note in items:
            last_id += 1
            values = template.copy()
            values[i_id] = last_id
            values[i_prev] = prev
            values[i_event] = event
            values[i_tbl] = table
            values[i_uid] = None if uid is None else str(uid)
            values[i_changes] = changes_json(changes)
            values[i_note] = note or ""
            prev = _hashed(values)
            values.append(prev)
            rows.append(values)
        audit_rows.insert(rows)
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
    caller's holds the write lock from its start, so no other connection could write it
    meanwhile)."""
    row = _row(ctx, event, table, uid, changes, note)
    database.after_transaction(lambda: _append(row))


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
    found = audit_rows.select(
        since=since,
        until=until,
        actor=actor,
        event=event,
        table=table,
        uid=uid,
        text=text,
        limit=limit,
        newest_first=newest_first,
    )
    return [AuditRow(*e) for e in found]


def actors() -> list[str]:
    return audit_rows.actors()


def case_history(case_id: int) -> list[AuditRow]:
    """Every audit entry about one case and its entries, attachments and sanctions,
    oldest first (the 历史 tab)."""
    uids = audit_rows.case_uids(case_id)
    return [AuditRow(*e) for e in audit_rows.about(uids)] if uids else []


# --- verification ---------------------------------------------------------------------------


def site_tz() -> tzinfo:
    """The office's time zone for the messages; China's when the setting cannot be read
    (the checks also run on a damaged database)."""
    try:
        return parse_tz(settings.get("site.tz"))
    except Exception:
        return CHINA_TZ


def verify_head() -> list[str]:
    """The quick look at the audit log (the daily check): its protecting triggers are in
    place and its last entry is the one the chain head remembers. The whole chain is
    verify_chain's (the full check)."""
    problems: list[str] = []
    missing = audit_rows.missing_triggers()
    if missing:
        problems.append(f"审计日志的保护触发器已被删除:{'、'.join(missing)}")
    head, last = audit_rows.head(), audit_rows.last()
    if head is None:
        problems.append("审计日志的链头记录(audit_head)已被删除")
    elif (last is None and head[0]) or (last is not None and tuple(head) != tuple(last)):
        problems.append("审计日志的最后几条与链头记录(audit_head)不符:请运行完整检查")
    return problems


def verify_chain(
    progress: Callable[[int, int, str], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> list[str]:
    """Problems of the audit log, one message each (empty: intact). Finds an entry changed,
    removed (also the last ones) or moved, and the protecting triggers dropped. Reads the
    log in batches: memory stays bounded however long it is (millions of entries at
    headquarters). After each batch ``progress(entries read, entries written, "")`` is
    told, and ``cancelled()`` asked: then it stops with CheckCancelled."""
    tz = site_tz()
    problems: list[str] = []

    def label(row: dict) -> str:  # a date is formatted only for an entry that is named
        try:
            at = from_db(row["at"])
        except ValueError:
            at = None
        when = at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if at else str(row["at"])
        return f"第 {row['id']} 条({when},{row['event']})"

    missing = audit_rows.missing_triggers()
    if missing:
        problems.append(f"审计日志的保护触发器已被删除:{'、'.join(missing)}")
    prev_hash, prev_id = audit_rows.GENESIS, 0
    written = audit_rows.head()
    total = written[0] if written else 0  # the count said; the batches read what is there
    read = 0
    for batch in audit_rows.stored_batches():
        if cancelled is not None and cancelled():
            raise CheckCancelled("检查已取消")
        for row in batch:
            if row["id"] != prev_id + 1:
                gap = row["id"] - prev_id - 1
                problems.append(f"审计日志第 {prev_id + 1}–{row['id'] - 1} 条({gap} 条)被删除")
            if row["prev_hash"] != prev_hash and row["id"] == prev_id + 1:
                problems.append(
                    f"审计日志{label(row)}与前一条不相接:其前面的记录被改动、删除或调换了顺序"
                )
            if entry_hash(row) != row["hash"]:
                problems.append(f"审计日志{label(row)}的内容被改动")
            prev_hash, prev_id = row["hash"], row["id"]
        read += len(batch)
        if progress is not None:
            progress(min(read, total), max(read, total), "")
    head = audit_rows.head()
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

"""The audit trail held outside the branch: each ledger carries the site's own entries since
the last ledger to the same destination, and the receiver keeps every site's chain as long as
it continues what it holds, naming the first entry removed or rewritten when it does not."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from complaints.usecases import audit
from complaints.usecases.context import Context
from db import audit_chains, audit_rows
from db.models import database
from db.retry import retried
from db.timeutil import from_db, to_db
from ledger.audit_sheet import SheetProblem

# Entries a ledger carries again before the new ones: the receiver compares them with what
# it holds, so an entry removed or rewritten at this site is named exactly.
CHAIN_OVERLAP = 20
# Received entries kept with one statement (see receive_chain).
APPEND_BATCH = 5000


def _export_start(destination: str, whole: bool) -> int | None:
    head = audit_rows.last()
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
    start = _export_start(destination, whole)
    return [] if start is None else audit_rows.stored_rows(start)


def count_for_export(destination: str, *, whole: bool) -> int:
    start = _export_start(destination, whole)
    return 0 if start is None else audit_rows.count_from(start)


def _stored(when: datetime) -> str:
    """``when`` (timezone-aware) as the database stores it."""
    text = to_db(when)
    assert text is not None
    return text


@retried  # one transaction: run again if the office server undid it
def mark_exported(destination: str, entries: Sequence[Mapping[str, Any]], at: datetime) -> None:
    if entries:
        audit_chains.set_exported_through(destination, entries[-1]["id"], _stored(at))


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
    if audit.entry_hash(e) != e["hash"]:
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


@retried  # one transaction: run again if the office server undid it
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
    got = ChainReceipt()
    held = audit_chains.held_head(site)
    received_at = _stored(ctx.now())
    first: Mapping[str, Any] | None = None
    prev: Mapping[str, Any] | None = None
    # entries that continue the chain, kept APPEND_BATCH at a time (a big chain's entries
    # one statement each cost the office server a round trip each)
    pending: list[Mapping[str, Any]] = []
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
                        pending.append(e)
                        if len(pending) >= APPEND_BATCH:
                            got.stored += audit_chains.append_held(
                                site, pending, received_at, file_name
                            )
                            pending = []
                    prev = e
            except SheetProblem as e:
                raise _Break(str(e)) from None
            got.stored += audit_chains.append_held(site, pending, received_at, file_name)
            if (
                held is not None
                and prev is not None
                and prev["id"] < held[0]
                and exported_at is not None
            ):
                held_at = from_db(audit_chains.held_at(site, held[0]))
                if held_at is not None and held_at < exported_at:
                    raise _Break(
                        f"站点 {site} 的审计记录只到第 {prev['id']} 条,"
                        f"而本站已保存到第 {held[0]} 条(在此文件导出之前写入):"
                        f"首个缺失的是第 {prev['id'] + 1} 条,"
                        "该站点删除了最后的审计记录"
                    )
    except _Break as e:  # the savepoint rolled back: none of this file's entries kept
        got.stored = 0
        got.problems.append(str(e))
        audit.record(
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
    breaks = entries_of_breaks(site)
    if audit_chains.held_head(site) is None and not breaks:
        return [f"本站没有站点 {site} 的审计记录(尚未导入过该站点带“审计记录”的台账)"]
    problems = _problems_within(site, audit_chains.held_entries(site))
    problems += [
        f"导入时发现({r.at.astimezone(audit.site_tz()):%Y-%m-%d %H:%M}):{r.note}" for r in breaks
    ]
    return problems


def entries_of_breaks(site: str) -> list[audit.AuditRow]:
    return audit.entries(event="audit.chain_break", uid=site, newest_first=False)


def held_sites() -> list[str]:
    return audit_chains.held_sites()

"""Every use case that writes is run again after the office server undid its transaction
(a deadlock or a serialization failure, db/retry.py), so no person reads such an error.

The gate reads the source: a function writes when it opens ``database.atomic()``, calls a
peewee model's write (``Case.update``, ``row.delete_instance()``), or (in db/) runs an
INSERT/UPDATE/DELETE, or calls a function that does, in any module of db/, ledger/, forms/
or complaints/usecases/. A public use case that writes must be ``@retried``, or leave every
write to callees that are (a retried function nested in it counts: the part after a file
written once), or be named in ALLOWED with the reason it is not.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("db", "ledger", "forms", "complaints/usecases")
USECASES = "complaints.usecases."

_WRITE_SQL = re.compile(
    r"\b(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b",
    re.IGNORECASE,
)
_MODEL_WRITES = frozenset(
    {"insert", "insert_many", "insert_from", "replace", "replace_many", "update", "delete"}
    | {"create", "get_or_create", "bulk_create", "bulk_update"}
)
_ROW_WRITES = frozenset({"delete_instance", "save"})  # save only in db/: use cases save books

# name → why it is not retried (it writes, but running it again is not the cure)
ALLOWED: dict[str, str] = {
    # moving the whole data onto an empty server or back: one person, at one PC, with
    # nobody else connected (docs/server.md "Moving"); a failure is said and undone whole
    "server_move.migrate_to_server": "copies this PC's data onto an empty server, alone",
    "server_move.migrate_to_sqlite": "copies the server's data into a new file on this PC",
    "server_move.restore_onto_server": "restores a backup onto an empty server, alone",
    # the demo office: loaded into a fresh data folder by the demo command and the tests
    "demo.load_demo": "fills a fresh demo data folder (several transactions, nobody else)",
    "demo.ensure_demo_staff": "part of the demo load",
    "demo_followup.add_demo_follow_ups": "part of the demo load",
    "demo_sanctions.add_demo_sanctions": "part of the demo load",
    # derived figures kept as a cache, best effort: never waits for another writer and is
    # skipped when busy; a month not kept is computed again (docs/stats.md)
    "stats.keep_summaries": "a best-effort cache of figures, skipped when busy",
    "stats_months.keep": "a best-effort cache of month parts, skipped when busy",
    "stats_months.forget": "empties the month-parts cache (the bench and tests)",
    "stats.clear_cache": "empties the figures cache (the bench and tests)",
    # this PC's SQLite file itself, not a transaction on the server
    "storage.restore": "replaces this PC's database file from a backup",
}


@dataclass
class Func:
    module: str
    node: ast.FunctionDef
    retried: bool
    writes_here: list[str] = field(default_factory=list)
    calls: set[tuple[str, str]] = field(default_factory=set)


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _is_retried(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(
        (isinstance(d, ast.Name) and d.id == "retried")
        or (isinstance(d, ast.Attribute) and d.attr == "retried")
        for d in node.decorator_list
    )


def _inside(node: ast.AST) -> list[ast.AST]:
    """The nodes of a function's body, leaving out the functions nested in it that are
    retried (their writes are covered there)."""
    out: list[ast.AST] = []
    todo = list(ast.iter_child_nodes(node))
    while todo:
        n = todo.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and _is_retried(n):
            continue
        out.append(n)
        todo.extend(ast.iter_child_nodes(n))
    return out


def _receiver_name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _row_write(method: str, receiver: str, in_db: bool) -> bool:
    """``Case.update(...)``, ``row.delete_instance()``; in db/ also ``row.save()``."""
    if method in _MODEL_WRITES and receiver[:1].isupper():
        return True
    return method == "delete_instance" or (in_db and method in _ROW_WRITES)


def _load() -> dict[tuple[str, str], Func]:
    trees = {
        _module(p): ast.parse(p.read_text(encoding="utf-8"), str(p))
        for pkg in PACKAGES
        for p in sorted((ROOT / pkg).glob("*.py"))
    }
    funcs: dict[tuple[str, str], Func] = {}
    for mod, tree in trees.items():
        in_db = mod.startswith("db.")
        names: dict[str, tuple[str, ...]] = {}  # local name → ("mod", m) or ("fn", m, f)
        texts: dict[str, str] = {}  # module constants' string text (SQL kept aside)
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module:
                for a in node.names:
                    full = f"{node.module}.{a.name}"
                    names[a.asname or a.name] = (
                        ("mod", full) if full in trees else ("fn", node.module, a.name)
                    )
            elif isinstance(node, ast.Import):
                for a in node.names:
                    names[a.asname or a.name] = ("mod", a.name)
            elif isinstance(node, ast.Assign):
                text = " ".join(
                    c.value
                    for c in ast.walk(node.value)
                    if isinstance(c, ast.Constant) and isinstance(c.value, str)
                )
                for t in node.targets:
                    if isinstance(t, ast.Name):
                        texts[t.id] = text
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef):
                continue
            f = Func(mod, node, _is_retried(node))
            for n in _inside(node):
                if isinstance(n, ast.Attribute) and n.attr == "atomic":
                    f.writes_here.append("database.atomic()")
                elif in_db and isinstance(n, ast.Constant) and isinstance(n.value, str):
                    if _WRITE_SQL.search(n.value):
                        f.writes_here.append("SQL")
                elif in_db and isinstance(n, ast.Name) and _WRITE_SQL.search(texts.get(n.id, "")):
                    f.writes_here.append(f"SQL in {n.id}")
                if not isinstance(n, ast.Call):
                    continue
                callee = n.func
                if isinstance(callee, ast.Name):
                    target = names.get(callee.id)
                    if target and target[0] == "fn":
                        f.calls.add((target[1], target[2]))
                    else:
                        f.calls.add((mod, callee.id))
                elif isinstance(callee, ast.Attribute):
                    target = names.get(_receiver_name(callee.value))
                    receiver = _receiver_name(callee.value)
                    if isinstance(callee.value, ast.Name) and target and target[0] == "mod":
                        f.calls.add((target[1], callee.attr))
                    elif _row_write(callee.attr, receiver, in_db):
                        f.writes_here.append(f"{receiver}.{callee.attr}()")
            funcs[(mod, node.name)] = f
    return funcs


def _writers(funcs: dict[tuple[str, str], Func]) -> set[tuple[str, str]]:
    writes = {k for k, f in funcs.items() if f.writes_here}
    grown = True
    while grown:
        grown = False
        for k, f in funcs.items():
            if k not in writes and f.calls & writes:
                writes.add(k)
                grown = True
    return writes


def _short(key: tuple[str, str]) -> str:
    return f"{key[0].removeprefix(USECASES)}.{key[1]}"


def _covered(
    key: tuple[str, str],
    funcs: dict[tuple[str, str], Func],
    writes: set[tuple[str, str]],
    allowed: set[str],
    seen: frozenset[tuple[str, str]] = frozenset(),
) -> bool:
    """Retried itself, allowed, or writing only through use cases that are covered."""
    f = funcs[key]
    if f.retried or _short(key) in allowed:
        return True
    if f.writes_here or key in seen:
        return False
    return all(
        c[0].startswith(USECASES) and _covered(c, funcs, writes, allowed, seen | {key})
        for c in f.calls
        if c in writes
    )


def _usecases_that_write() -> tuple[dict[tuple[str, str], Func], set[tuple[str, str]]]:
    funcs = _load()
    writes = _writers(funcs)
    public = {k for k in writes if k[0].startswith(USECASES) and not k[1].startswith("_")}
    return funcs, public


def test_every_use_case_that_writes_is_run_again_after_a_server_conflict():
    funcs, public = _usecases_that_write()
    writes = _writers(funcs)
    bare = sorted(_short(k) for k in public if not _covered(k, funcs, writes, set(ALLOWED)))
    assert bare == [], (
        "these use cases write but are not @retried (db/retry.py); retry them, retry the "
        "transaction after a file written once, or name them in ALLOWED with the reason"
    )


def test_the_gate_sees_the_writes_it_is_meant_to():
    funcs, public = _usecases_that_write()
    names = {_short(k) for k in public}
    # one of each way of writing: a use case's own transaction, a db helper's SQL through
    # settings, a peewee model write, and a write only through another use case
    assert {"users.add_user", "settings.set_", "policy.save", "oem.set_fmc_status"} <= names
    assert "database.atomic()" in funcs[("complaints.usecases.users", "add_user")].writes_here
    assert funcs[("complaints.usecases.cases", "create_case")].retried
    assert not funcs[("complaints.usecases.cases", "get_case")].writes_here
    assert "complaints.usecases.cases" not in {k[0] for k in public if k[1] == "get_case"}


def test_every_allowance_names_a_use_case_that_needs_it():
    funcs, public = _usecases_that_write()
    writes = _writers(funcs)
    names = {_short(k): k for k in public}
    stale = sorted(
        n
        for n in ALLOWED
        if n not in names or _covered(names[n], funcs, writes, set(ALLOWED) - {n})
    )
    assert stale == [], "ALLOWED names a use case that no longer writes or is covered anyway"

"""The house rules of docs/architecture.md, checked on the source: which room may hold SQL,
which may import what. A line that breaks one is in the wrong room."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("complaints", "db", "desktop", "forms", "ledger", "ui")
# Words that start a statement of SQL text (a string literal holding SQL).
SQL_TEXT = re.compile(
    r"^\s*(SELECT|INSERT\s+INTO|INSERT\s+OR|UPDATE\s+\S+\s+SET|DELETE\s+FROM|CREATE\s+"
    r"(TABLE|INDEX|UNIQUE|VIRTUAL|TRIGGER|VIEW)|DROP\s+|ALTER\s+TABLE|PRAGMA|WITH\s+\w+\s+AS"
    r"|BEGIN|COMMIT|ROLLBACK|REPLACE\s+INTO|VACUUM|ANALYZE)\b"  # SQL is written in capitals here
)
SQL_CALLS = {"execute_sql", "execute", "executemany", "executescript", "SQL"}


def _modules(*packages: str) -> list[Path]:
    return sorted(p for pkg in packages for p in (ROOT / pkg).rglob("*.py"))


def _imports(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names += [f"{node.module}.{a.name}" for a in node.names]
    return names


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_no_sql_outside_db():
    found = []
    for path in _modules(*(p for p in PACKAGES if p != "db")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if SQL_TEXT.match(node.value) and " " in node.value.strip():
                    found.append(f"{_rel(path)}:{node.lineno}: {node.value.strip()[:50]!r}")
            elif isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in SQL_CALLS and name != "execute":
                    found.append(f"{_rel(path)}:{node.lineno}: {name}(...)")
    assert found == [], "SQL outside db/:\n" + "\n".join(found)


def test_only_the_migration_runner_imports_a_migration():
    found = []
    for path in _modules(*PACKAGES):
        if path.is_relative_to(ROOT / "db" / "migrations") or _rel(path) == "db/database.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(name.startswith("db.migrations") for name in _imports(tree)):
            found.append(_rel(path))
    assert found == []


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("ui", ("peewee", "playhouse", "db", "forms", "ledger", "sqlite3")),
        ("complaints/rules", ("PySide6", "peewee", "db", "forms", "ledger", "ui", "desktop")),
        ("complaints", ("PySide6", "ui", "desktop")),
        ("db", ("PySide6", "ui", "desktop", "complaints.usecases", "forms", "ledger")),
        ("forms", ("PySide6", "ui", "desktop")),
        ("ledger", ("PySide6", "ui", "desktop")),
    ],
)
def test_arrows_point_one_way(package, forbidden):
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for name in _imports(tree):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                found.append(f"{_rel(path)} imports {name}")
    assert found == []


def test_no_module_over_500_lines_but_the_named_ones():
    # One job each, and the job named here: a long module must be one you can describe.
    one_job = {
        "complaints/usecases/demo_data.py": "the demo's word lists and tables",
        "forms/build_templates.py": "building the four shipped Word templates",
        "forms/fill.py": "filling the four forms from a case or a sanction",
        "ui/case_editor.py": "editing one case (its tabs live in their own modules)",
        "ui/main_window.py": "the main window: navigation, pages, menus, drops",
        "ui/sanctions.py": "the 奖惩 page (its tabs and dialogs live in their own modules)",
    }
    long = {
        _rel(p): n
        for p in _modules(*PACKAGES)
        if "migrations" not in p.parts
        and (n := len(p.read_text(encoding="utf-8").splitlines())) > 500
    }
    assert {k: v for k, v in long.items() if k not in one_job} == {}

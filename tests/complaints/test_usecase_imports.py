"""The use cases import one another one way only: no module of complaints/usecases reaches
itself again through the others, counting the imports inside functions (a cycle hidden by an
import inside a function is still a cycle). Read from the source with ast, nothing imported."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "complaints.usecases"
FOLDER = Path(__file__).resolve().parents[2] / "complaints" / "usecases"
# Imports allowed to close a cycle, each to be removed with its cycle (none today). The test
# fails once an allowed import is gone, so an allowance cannot outlive its cycle.
ALLOWED: frozenset[tuple[str, str]] = frozenset()


def _modules() -> dict[str, Path]:
    return {p.stem: p for p in FOLDER.glob("*.py") if p.stem != "__init__"}


def _under_type_checking(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Inside ``if TYPE_CHECKING:``: read by the type checker only, never run."""
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The modules of the package that ``path`` imports, anywhere in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if _under_type_checking(node, parents):
            continue
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == PACKAGE:
                found.update(a.name for a in node.names if a.name in modules)
            elif node.module.startswith(PACKAGE + "."):
                found.add(node.module.split(".")[2])
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith(PACKAGE + "."):
                    found.add(a.name.split(".")[2])
    return found & modules


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    names = set(modules)
    return {name: imports_of(path, names) - {name} for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as the path a → … → a, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_find_cycle_sees_a_cycle_and_its_absence():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_imports_inside_functions_count(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(
        "from complaints.usecases import a\n"
        "def f():\n"
        "    from complaints.usecases.b import x\n"
        "    import complaints.usecases.c\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from complaints.usecases import d\n",
        encoding="utf-8",
    )
    assert imports_of(source, {"a", "b", "c", "d"}) == {"a", "b", "c"}


def test_the_graph_is_read():
    graph = import_graph()
    assert "proposals" in graph["cases"] or "proposals" in graph["tracking"]
    assert "tracking" in graph["sanctions"]


def test_the_use_cases_have_no_import_cycle():
    graph = import_graph()
    gone = sorted(f"{a} → {b}" for a, b in ALLOWED if b not in graph.get(a, set()))
    assert not gone, "no longer imported, remove from ALLOWED: " + ", ".join(gone)
    for a, b in ALLOWED:
        graph[a].discard(b)
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle among complaints/usecases: " + " → ".join(cycle or [])

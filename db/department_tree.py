"""The departments as a tree: which department sits under which."""

from __future__ import annotations

from collections import defaultdict

from db.models import database


def children_by_parent() -> dict[str | None, list[str]]:
    """parent name (None: the top) → the names of the departments directly under it, active
    or not, in no particular order."""
    children: dict[str | None, list[str]] = defaultdict(list)
    for child, parent in database.execute_sql(
        "SELECT d.name, p.name FROM departments d LEFT JOIN departments p ON p.id = d.parent_id"
    ):
        children[parent].append(child)
    return children

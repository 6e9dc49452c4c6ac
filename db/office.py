"""The office's own tables: sites, departments, staff."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from db.models import Department, Site, database


def department_names() -> list[str]:
    """The active departments in the office's order (then by name)."""
    return [
        r[0]
        for r in database.execute_sql(
            "SELECT name FROM departments WHERE active = 1 ORDER BY sort_order, name"
        )
    ]


def department_parent_names() -> dict[str, str]:
    """Each department that has a parent → its parent's name."""
    return dict(
        database.execute_sql(
            "SELECT d.name, p.name FROM departments d JOIN departments p ON p.id = d.parent_id"
        ).fetchall()
    )


def department_exists(name: str) -> bool:
    return Department.select().where(Department.name == name).exists()


def all_department_names() -> list[str]:
    """Every department, closed ones included, in the office's order."""
    return [d.name for d in Department.select().order_by(Department.sort_order)]


def add_missing_departments(
    departments: Iterable[tuple[str, str | None, str, str | None, str | None]],
) -> None:
    """Create each ``(name, parent, manager title, business, area)`` not there yet, in the
    given order (a parent before its children); its place in that order is its sort order."""
    by_name = {d.name: d for d in Department.select()}
    for order, (name, parent, title, business, area) in enumerate(departments):
        if name in by_name:
            continue
        by_name[name] = Department.create(
            name=name,
            parent=by_name.get(parent) if parent else None,
            manager_title=title,
            business=business,
            area=area,
            sort_order=order,
        )


def active_staff() -> list[tuple[str, str]]:
    """(name, department) of the active staff, in the order they were entered."""
    rows = database.execute_sql(
        "SELECT s.name, d.name FROM staff s JOIN departments d ON d.id = s.department_id "
        "WHERE s.active = 1 ORDER BY s.id"
    ).fetchall()
    return [(name, dept) for name, dept in rows]


def save_local_site(code: str, name: str, first_seen_at: datetime) -> None:
    """This office's row in the sites table: created, or renamed and marked local."""
    site, _ = Site.get_or_create(code=code, defaults={"name": name, "first_seen_at": first_seen_at})
    site.name, site.is_local = name, True
    site.save()


def site_names() -> dict[str, str]:
    """The sites table: code → name."""
    return dict(database.execute_sql("SELECT code, name FROM sites").fetchall())


def site_codes_in_use() -> set[str]:
    """The site codes of the cases and of the sanctions. The case sites hop along the
    (site, received_at) index instead of reading every case."""
    codes: set[str] = {
        r[0]
        for r in database.execute_sql(
            "WITH RECURSIVE s(site) AS (SELECT min(site) FROM cases UNION ALL "
            "SELECT (SELECT min(site) FROM cases WHERE site > s.site) FROM s "
            "WHERE s.site IS NOT NULL) SELECT site FROM s WHERE site IS NOT NULL"
        )
    }
    codes |= {r[0] for r in database.execute_sql("SELECT DISTINCT site FROM sanctions")}
    return codes

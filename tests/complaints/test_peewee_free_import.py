"""The start-up's first screen reads before peewee is imported (issue 2 §8): the use cases it
calls import neither peewee nor argon2, and through db.reads' early read-only connection
they give the same answers as on peewee's connection."""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

from complaints.query import CaseFilter
from complaints.rules.permissions import ROLES
from complaints.usecases import cases, settings, site, users
from complaints.usecases.context import Context
from db.database import close_database, open_database
from tests.conftest import FIXED_NOW

ROOT = Path(__file__).resolve().parents[2]
MODULES = (
    "complaints.usecases.settings",
    "complaints.usecases.site",
    "complaints.usecases.audit",
    "complaints.usecases.auth",
    "complaints.usecases.cases",
    "complaints.usecases.users",
    "db.queries",
    "db.reads",
)
HEAVY = ("peewee", "argon2")
# The first screen's reads; run in this process on peewee's connection and in a fresh one on
# the early connection (with ``CaseFilter``, ``cases``, ``settings`` and ``site`` in scope).
READS = """
ids = cases.case_ids(CaseFilter(), limit=5)
answers = {
    "site.code": settings.get("site.code"),
    "departments": site.department_names(),
    "sites": site.known_sites(),
    "ids": ids,
    "rows": cases.case_rows(ids),
    "search": cases.search("SH01", limit=3),
}
"""


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_start_modules_import_neither_peewee_nor_argon2():
    done = _run(f"""
        import sys
        for name in {MODULES!r}:
            __import__(name)
        print(sorted(m for m in sys.modules
                     if m.split(".")[0] in {HEAVY!r} or m.startswith("db.models")))
        """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def _make_database(path: Path) -> dict:
    """A site with demo cases, sanctions and a remembered person; the answers the normal
    peewee path gives on it."""
    from complaints.usecases import demo
    from db.models import Department, Site

    open_database(path, backup_dir=path.parent / "backups")
    try:
        site.init_site("SH01", "上海浦东店", now=FIXED_NOW)
        ctx = Context(
            site="SH01",
            actor="测试员",
            clock=lambda: FIXED_NOW,
            roles=frozenset(ROLES),
            department="客服部",
        )
        demo.load_demo(ctx, 30, seed=3)
        # another office known only from the sites table; a department closed, two sharing
        # a place in the order (then by name)
        Site.create(code="BJ02", name="北京朝阳店", first_seen_at=FIXED_NOW)
        Department.update(active=False).where(Department.name == "配件部").execute()
        Department.update(sort_order=0).where(Department.name == "总经理室").execute()
        admin = users.create_first_admin("admin", "张管理", "正确的密码123", now=FIXED_NOW)
        settings.set_("auth.allow_remember", True)
        users.remember(users.context_for_user(admin), "admin")
        scope = {"CaseFilter": CaseFilter, "cases": cases, "settings": settings, "site": site}
        exec(READS, scope)
        return {
            **scope["answers"],
            "start": (users.needs_first_admin(), users.remembered_user(FIXED_NOW)),
        }
    finally:
        close_database()


def test_early_reads_agree_with_peewee_and_import_no_peewee(tmp_path):
    path = tmp_path / "data" / "complaintdesk.sqlite3"
    expected = _make_database(path)
    # a meaningful comparison
    assert expected["ids"] and expected["search"] and expected["start"][1] is not None
    assert [s.code for s in expected["sites"]] == ["SH01", "BJ02"]
    assert "配件部" not in expected["departments"]
    assert expected["departments"][:2] == sorted(["客服部", "总经理室"])
    out = tmp_path / "early.pickle"
    done = _run(f"""
        import pickle, sys
        from datetime import datetime, timedelta, timezone
        from pathlib import Path

        from complaints.query import CaseFilter
        from complaints.usecases import cases, settings, site, users
        from db import reads

        assert reads.open_early(Path({str(path)!r}))
        assert reads.is_early()
        now = datetime.fromisoformat({FIXED_NOW.isoformat()!r})
        exec({READS!r})
        got = {{**answers, "start": users.start_state(now)}}
        got["heavy"] = sorted(m for m in sys.modules
                              if m.split(".")[0] in {HEAVY!r} or m.startswith("db.models"))
        reads.close_early()
        Path({str(out)!r}).write_bytes(pickle.dumps(got))
        """)
    assert done.returncode == 0, done.stderr
    got = pickle.loads(out.read_bytes())
    assert got.pop("heavy") == []
    assert got == expected

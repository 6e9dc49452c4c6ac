"""Helpers for ledger tests: several site databases in one test, switched in turn
(the peewee database is one global, as in the app)."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

from complaints.rules.permissions import ROLES
from complaints.usecases import cases, site
from complaints.usecases.context import CHINA_TZ, Context
from db.database import close_database, open_database
from db.models import Case, Entry, Sanction
from ledger import store

T0 = datetime(2026, 11, 20, 9, 30, tzinfo=CHINA_TZ)


class Sites:
    def __init__(self, root: Path):
        self.root = root
        self.current: str | None = None

    def path(self, code: str) -> Path:
        return self.root / code / "complaintdesk.sqlite3"

    def use(self, code: str, *, now: datetime = T0) -> Context:
        """Open (creating if new) the database of site ``code``; returns its Context."""
        close_database()
        fresh = not self.path(code).exists()
        open_database(self.path(code), backup_dir=self.root / code / "backups")
        if fresh:
            site.init_site(code, f"{code} 店", now=now)
        self.current = code
        return ctx_for(code, now)

    def close(self) -> None:
        close_database()


def ctx_for(code: str, now: datetime = T0) -> Context:
    return Context(
        site=code,
        actor=f"{code}员工",
        clock=lambda: now,
        roles=frozenset(ROLES),
        department="客服部",
    )


def new_case(ctx: Context, **values) -> int:
    v = cases.blank_case(ctx)
    v.update(customer_name="张三", content="刹车异响", phone="13812345678")
    v.update(values)
    return cases.create_case(ctx, v).id


def add_sanction(ctx: Context, case_id: int | None, amount: int = 200) -> None:
    import uuid

    Sanction.create(
        uid=str(uuid.uuid4()),
        site=ctx.site,
        modified_at=ctx.now(),
        case=case_id,
        type="罚款",
        rule="S3",
        department="车间",
        person="李四",
        amount=amount,
        reason="超时未联系",
        date=date(2026, 11, 20),
        status="待审批",
    )


def snapshot() -> dict[str, list[dict]]:
    """Every record of every synced table as ledger values, by uid (ids differ by site)."""
    out = {}
    for table in ("cases", "entries", "sanctions"):
        rows = list(store.iter_records(table, sites=None, since=None))
        out[table] = sorted(rows, key=lambda r: r["uid"])
    from db.models import database

    out["conflicts"] = sorted(
        database.execute_sql(
            "SELECT uid, incoming_revision, incoming_digest FROM ledger_conflicts "
            "WHERE resolved_at IS NULL"
        ).fetchall()
    )
    return out


def counts() -> tuple[int, int, int]:
    return Case.select().count(), Entry.select().count(), Sanction.select().count()


def rewrite_zip(
    src: Path,
    dest: Path,
    replace: dict[str, bytes] | None = None,
    add: dict[str, bytes] | None = None,
) -> Path:
    """Copy an .xlsx with some parts replaced or added (to build hostile files)."""
    replace = replace or {}
    buf = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = replace.get(info.filename, zin.read(info.filename))
            zout.writestr(info.filename, data)
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    dest.write_bytes(buf.getvalue())
    return dest


def later(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)

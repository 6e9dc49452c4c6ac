"""The office itself: its site code and name, its departments (policy.md §2)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from complaints.usecases import audit, auth, settings
from complaints.usecases.context import Context, parse_tz
from complaints.usecases.errors import UseCaseError
from db import office
from db.models import database
from db.retry import retried

SITE_CODE_RE = re.compile(r"[A-Z][A-Z0-9]{1,9}")

# (name, parent, manager title, business, area): the organisation of policy.md §2.
DEPARTMENTS = (
    ("客服部", None, "客服经理", None, None),
    ("销售部", None, "销售经理", "销售", None),
    ("售后服务部", None, "售后站长", "售后", None),
    ("车间", "售后服务部", "车间经理", "售后", "维修技术"),
    ("配件部", "售后服务部", "配件经理", "售后", "配件"),
    ("服务前台", "售后服务部", "服务经理", "售后", "前台服务"),
    ("总经理室", None, "总经理", None, None),
)


@dataclass(frozen=True)
class SiteInfo:
    code: str
    name: str
    tz: str


def check_site_code(code: str) -> str:
    c = code.strip().upper()
    if not SITE_CODE_RE.fullmatch(c):
        raise UseCaseError(f"站点代码“{code}”不合格式:2–10 位大写字母或数字,以字母开头,如 SH01")
    return c


def is_initialised() -> bool:
    return bool(settings.get("site.code"))


def local_site() -> SiteInfo | None:
    values = settings.get_many(("site.code", "site.name", "site.tz"))
    if not values["site.code"]:
        return None
    return SiteInfo(values["site.code"], values["site.name"], values["site.tz"])


@retried  # one transaction: run again if the office server undid it
def init_site(code: str, name: str, *, now, tz: str = "+08:00") -> SiteInfo:
    """First start: record this office's code and name and seed its departments."""
    code = check_site_code(code)
    name = name.strip()
    if not name:
        raise UseCaseError("站点名称必须填写")
    if len(name) > 60:
        raise UseCaseError("站点名称太长(最多 60 字)")
    parse_tz(tz)
    existing = settings.get("site.code")
    if existing and existing != code:
        raise UseCaseError(f"本数据库已属于站点 {existing},不能改为 {code}")
    with database.atomic():
        office.save_local_site(code, name, now)
        settings.set_("site.code", code)
        settings.set_("site.name", name)
        settings.set_("site.tz", tz)
        seed_departments()
    return SiteInfo(code, name, tz)


@retried  # one transaction: run again if the office server undid it
def init_site_once(code: str, name: str, *, now, tz: str = "+08:00") -> tuple[SiteInfo, bool]:
    """``init_site`` unless the database has its site already: (the site, whether this call
    made it). The site's code is held from reading it to writing it, so two seats' ``init``
    at the same moment on an empty office server make it once: the second waits, then finds
    the first one's site (a different code is refused, as ``init_site`` refuses it)."""
    with database.atomic():
        settings.hold("site.code")
        found = local_site()
        if found is None:
            return init_site(code, name, now=now, tz=tz), True
        if found.code != check_site_code(code):
            raise UseCaseError(f"本数据库已属于站点 {found.code},不能改为 {code}")
        return found, False


@retried  # one transaction: run again if the office server undid it
def seed_departments() -> None:
    office.add_missing_departments(DEPARTMENTS)


def department_names() -> list[str]:
    """The active departments in the office's order (the first screen's filter)."""
    return office.department_names()


def staff_names(department: str | None = None) -> list[str]:
    """The office's active staff for a person box (指定责任人): the department's own people
    first, then everyone else; empty when the office keeps no staff list."""
    ordered = sorted(office.active_staff(), key=lambda r: r[1] != department)
    return list(dict.fromkeys(name for name, _dept in ordered))


def context_for(actor: str, clock=None) -> Context:
    """The Context of this office, for the GUI and the CLI."""
    info = local_site()
    if info is None:
        raise UseCaseError("本数据库尚未初始化站点:请先运行 init 或在首次启动时填写站点代码")
    kwargs = {"clock": clock} if clock else {}
    return Context(site=info.code, actor=actor, tz=parse_tz(info.tz), **kwargs)


@retried  # one transaction: run again if the office server undid it
def rename_site(ctx: Context, name: str) -> str:
    """Change this office's display name (the code never changes: it is in every case
    number and ledger). Needs settings.site; audited as settings.update."""
    auth.require(ctx, "settings.site")
    info = local_site()
    if info is None:
        raise UseCaseError("本数据库尚未初始化站点")
    new = name.strip()
    if new == info.name:
        return new
    with database.atomic():
        # init_site validates the name and updates both the setting and the Site row.
        init_site(info.code, new, now=ctx.now(), tz=info.tz)
        audit.record(
            ctx,
            "settings.update",
            table="settings",
            uid="site.name",
            changes={"site.name": (info.name, new)},
            note="修改站点名称",
        )
    return new


@dataclass(frozen=True)
class KnownSite:
    code: str
    name: str  # "" for an office known only from its cases (ledgers carry no site table)
    local: bool = False

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}" if self.name else self.code


def known_sites() -> list[KnownSite]:
    """Every office this database knows (the HQ's site filter): the sites table, the sites
    of the cases and of the sanctions; this office first, then by code."""
    codes = office.site_codes_in_use()
    rows = office.site_names()
    local = settings.get("site.code")
    out = [KnownSite(c, rows.get(c, ""), c == local) for c in codes | set(rows) if c]
    return sorted(out, key=lambda s: (not s.local, s.code))

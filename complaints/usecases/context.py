"""Who acts, where, and when: passed to every use case instead of globals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo

CHINA_TZ = timezone(timedelta(hours=8), "CST")


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Context:
    site: str  # this office's site code: the owner of what it creates
    actor: str  # the person acting, as shown in the history
    tz: tzinfo = CHINA_TZ  # the office's clock, for local dates and printed times
    clock: Callable[[], datetime] = field(default=_utc_now, compare=False)
    user_id: int | None = None  # the signed-in account (None: the site's administrator at the CLI)
    roles: frozenset[str] = frozenset()  # role names of complaints.types.Role, as held by actor
    department: str | None = None  # a 部门经理's department

    def now(self) -> datetime:
        """The current time, timezone-aware, truncated to seconds (what is stored)."""
        return self.clock().astimezone(self.tz).replace(microsecond=0)

    def local(self, when: datetime) -> datetime:
        return when.astimezone(self.tz)


def parse_tz(text: str) -> tzinfo:
    """'+08:00' → a fixed offset; raises ValueError with the offending text."""
    t = text.strip()
    if len(t) != 6 or t[0] not in "+-" or t[3] != ":":
        raise ValueError(f"时区格式应为 +08:00,而不是“{text}”")
    hours, minutes = int(t[1:3]), int(t[4:6])
    sign = 1 if t[0] == "+" else -1
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def format_tz(tz: tzinfo) -> str:
    off = datetime.now(tz).utcoffset() or timedelta()
    total = int(off.total_seconds()) // 60
    sign = "+" if total >= 0 else "-"
    total = abs(total)
    return f"{sign}{total // 60:02d}:{total % 60:02d}"

"""测试连接 in 设置 → 数据库: reach an office server and say what it holds, changing nothing
(no schema made, no migration, nothing kept)."""

from __future__ import annotations

from dataclasses import dataclass

from complaints.usecases.server_link import ServerFields
from db.server_address import LoginRefused, ServerUnreachable
from db.server_probe import probe

# What a connection test found (ConnectionTest.kind): the two failures, else the value of
# db.server_probe.Found ("ready", "empty", "no_site", "older", "newer", "not_ours")
UNREACHABLE = "unreachable"
REFUSED = "refused"


@dataclass(frozen=True)
class ConnectionTest:
    kind: str  # UNREACHABLE, REFUSED, or db.server_probe.Found's value ("ready", "empty"…)
    message: str  # what a failure was, in Chinese, with what to check ("" when reached)
    detail: str = ""  # the server's own words for a failure (the 详细信息 part)
    server_version: str = ""
    schema_version: int = 0
    program_version: int = 0
    cases: int = 0
    site: str = ""
    encoding: str = "UTF8"

    @property
    def usable(self) -> bool:
        """The GUI may start on this database (creating or migrating its schema if need be)."""
        return self.kind in ("ready", "empty", "no_site", "older")


def try_connection(fields: ServerFields, password: str = "") -> ConnectionTest:
    """Reach the server and read what it holds; changes nothing anywhere."""
    address = fields.address()
    try:
        found = probe(address, password or None)
    except ServerUnreachable as e:
        return ConnectionTest(UNREACHABLE, str(e), e.detail)
    except LoginRefused as e:
        return ConnectionTest(REFUSED, str(e), e.detail)
    return ConnectionTest(
        found.found.value,
        "",
        "",
        found.server_version,
        found.schema_version,
        found.program_version,
        found.cases,
        found.site,
        found.encoding,
    )

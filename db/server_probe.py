"""测试连接: what the office server at an address holds, read without changing anything (no
migration, no schema): the server's version, the schema version, the site and its cases."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass

import psycopg

from db.database import latest_version
from db.server import connection_error
from db.server_address import ServerAddress, connect_params


class Found(enum.Enum):
    READY = "ready"  # our schema of this program's version, a site initialised
    EMPTY = "empty"  # no table at all: the first start creates the schema
    NO_SITE = "no_site"  # our schema, no site yet: the first start asks for it
    OLDER = "older"  # our schema of an older version: the first start migrates it
    NEWER = "newer"  # our schema of a newer program: refused until this PC is updated
    NOT_OURS = "not_ours"  # tables of something else: never touched
    NOT_UTF8 = "not_utf8"  # a database whose encoding cannot hold the office's Chinese text


@dataclass(frozen=True)
class Probe:
    found: Found
    server_version: str
    schema_version: int
    program_version: int
    cases: int
    site: str  # "SH01 上海浦东店", or "" when none
    encoding: str = "UTF8"


def probe(address: ServerAddress, password: str | None = None) -> Probe:
    """Connect to ``address`` (with ``password`` when given, else the kept one or the
    pgpass file) and read what is there. Raises ServerUnreachable or LoginRefused."""
    params = connect_params(address)
    if password:
        params["password"] = password
    try:
        with psycopg.connect(dbname=address.dbname, autocommit=True, **params) as conn:
            return _read(conn)
    except psycopg.Error as e:
        said = connection_error(e, address)
        if said is None:
            raise
        raise said from None


def _read(conn: psycopg.Connection) -> Probe:
    row = conn.execute("SHOW server_version").fetchone()
    server_version = str(row[0]) if row else ""
    row = conn.execute("SHOW server_encoding").fetchone()
    encoding = row[0] if row else ""
    if isinstance(encoding, bytes):  # psycopg hands SQL_ASCII's text over undecoded
        encoding = encoding.decode("ascii", "replace")
    if encoding != "UTF8":
        return Probe(Found.NOT_UTF8, server_version, 0, latest_version(), 0, "", str(encoding))
    tables = {
        r[0]
        for r in conn.execute(
            "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema()"
        )
    }

    def probe_of(found: Found, version: int = 0, cases: int = 0, site: str = "") -> Probe:
        return Probe(found, server_version, version, latest_version(), cases, site)

    if "schema_version" not in tables:
        return probe_of(Found.NOT_OURS if tables else Found.EMPTY)
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    version = int(row[0] or 0) if row else 0
    if version > latest_version():
        return probe_of(Found.NEWER, version)
    count = conn.execute("SELECT count(*) FROM cases").fetchone() if "cases" in tables else None
    cases = int(count[0]) if count else 0
    site = ""
    if "settings" in tables:
        values: dict[str, str] = dict(
            conn.execute(
                "SELECT key, value FROM settings WHERE key IN ('site.code', 'site.name')"
            ).fetchall()
        )
        site = " ".join(
            str(json.loads(v)) for v in (values.get("site.code"), values.get("site.name")) if v
        )  # stored as JSON, as db/settings_rows.py writes them
    if version < latest_version():
        return probe_of(Found.OLDER, version, cases, site)
    return probe_of(Found.READY if site else Found.NO_SITE, version, cases, site)

"""Sites whose databases are on the office server (one PostgreSQL database per site on the
throwaway cluster), switched in turn like tests/ledger/helpers.Sites."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from complaints.usecases import site
from complaints.usecases.context import Context
from db.database import close_database, open_server
from db.server_address import ServerAddress
from tests.ledger.helpers import T0, Sites, ctx_for
from tests.pg_cluster import SUPERUSER, Cluster


class ServerSites(Sites):
    def __init__(self, root: Path, cluster: Cluster, prefix: str, *, template: str = ""):
        super().__init__(root)
        self.cluster = cluster
        self.prefix = prefix
        self.template = template  # a database of the session to copy (faster than template0)
        self.made: set[str] = set()

    def use(self, code: str, *, now: datetime = T0) -> Context:
        close_database()
        name = f"{self.prefix}_{code.lower()}"
        fresh = code not in self.made
        if fresh:
            self.cluster.admin(
                f"CREATE DATABASE {name} TEMPLATE {self.template}"
                if self.template
                else f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' "
                "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
            )
            self.made.add(code)
        address = ServerAddress(SUPERUSER, self.cluster.socket_dir, self.cluster.port, name)
        open_server(address, data_folder=self.root / code)  # this PC's backups there
        if fresh:
            site.init_site(code, f"{code} 店", now=now)
        self.current = code
        return ctx_for(code, now)

    def close(self) -> None:
        """Closes the open database and drops this test's databases when it made them from a
        session template (the cluster lives for the whole session)."""
        super().close()
        if self.template:
            for code in self.made:
                name = f"{self.prefix}_{code.lower()}"
                self.cluster.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

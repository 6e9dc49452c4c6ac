from __future__ import annotations

import itertools
import os

import pytest

from tests.ledger.helpers import Sites
from tests.ledger.server_sites import ServerSites

_prefixes = itertools.count(1)


@pytest.fixture
def sites(request, db_engine, tmp_path):
    """The sites of a test, each with its database on the test's engine."""
    if db_engine == "postgresql":
        templates = request.getfixturevalue("server_templates")
        s: Sites = ServerSites(
            tmp_path,
            request.getfixturevalue("postgres"),
            f"s{os.getpid()}_{next(_prefixes)}",
            template=templates["schema"],
        )
    else:
        s = Sites(tmp_path)
    yield s
    s.close()

"""The ledger round trip on both engines: the tests of test_ledger_roundtrip.py that take
(sites, tmp_path) run here with every site's database on this PC (SQLite) and on the office
server (PostgreSQL), so the exchange with headquarters works the same from either."""

from __future__ import annotations

import inspect
import itertools

import pytest

import tests.ledger.test_ledger_roundtrip as roundtrip_tests
from tests.ledger.helpers import Sites
from tests.ledger.server_sites import ServerSites

_prefixes = itertools.count(1)

ROUND_TRIP = [
    fn
    for name, fn in vars(roundtrip_tests).items()
    if name.startswith("test_")
    and inspect.isfunction(fn)
    and list(inspect.signature(fn).parameters) == ["sites", "tmp_path"]
]


@pytest.fixture(params=["sqlite", "postgresql"])
def any_sites(request, tmp_path):
    if request.param == "sqlite":
        s = Sites(tmp_path)
    else:
        s = ServerSites(tmp_path, request.getfixturevalue("postgres"), f"l{next(_prefixes)}")
    yield s
    s.close()


# Tests that move a site's data folder aside (a PC lost) have no server counterpart here.
FOLDER_TESTS = {"test_owner_counts_revisions_and_takes_its_records_back"}


@pytest.mark.parametrize("test", ROUND_TRIP, ids=lambda t: t.__name__)
def test_round_trip_on_both_engines(any_sites, tmp_path, test):
    if isinstance(any_sites, ServerSites) and test.__name__ in FOLDER_TESTS:
        pytest.skip("moves the SQLite data folder aside: a lost PC, not a server")
    test(any_sites, tmp_path)

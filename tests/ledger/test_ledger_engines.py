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


# Tests that move a site's data folder aside (a PC lost) have no server counterpart.
FOLDER_TESTS = {"test_owner_counts_revisions_and_takes_its_records_back"}
CASES = [
    (engine, fn)
    for fn in ROUND_TRIP
    for engine in ("sqlite", "postgresql")
    if engine == "sqlite" or fn.__name__ not in FOLDER_TESTS
]


@pytest.mark.parametrize(("engine", "test"), CASES, ids=[f"{e}-{fn.__name__}" for e, fn in CASES])
def test_round_trip_on_both_engines(request, tmp_path, engine, test):
    if engine == "sqlite":
        sites = Sites(tmp_path)
    else:
        sites = ServerSites(tmp_path, request.getfixturevalue("postgres"), f"l{next(_prefixes)}")
    try:
        test(sites, tmp_path)
    finally:
        sites.close()

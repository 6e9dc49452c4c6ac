"""The monthly figures (统计 and the reports) are the same numbers on both engines: the same
demo office on this PC's SQLite file and on the office's PostgreSQL server, every figure of
a month, a quarter and a year compared, computed afresh and from the kept summaries."""

from __future__ import annotations

import dataclasses

import pytest

from complaints.rules.periods import parse_period
from complaints.rules.permissions import ROLES
from complaints.usecases import stats
from complaints.usecases.context import CHINA_TZ
from db.database import close_database, open_database, open_server
from tests.complaints.test_stats_speed import AS_OF, plain
from tests.conftest import selected_engines

PERIODS = ("2026-10", "2026Q3", "2026-11a", "2026")


def _figures() -> list[dict]:
    stats.clear_cache()
    fresh = [
        plain(stats.figures_for(parse_period(p), (), as_of=AS_OF, tz=CHINA_TZ)) for p in PERIODS
    ]
    assert stats.keep_summaries() > 0
    stats.clear_cache()  # a restart: the figures from the summaries the database kept
    kept = [
        plain(stats.figures_for(parse_period(p), (), as_of=AS_OF, tz=CHINA_TZ)) for p in PERIODS
    ]
    assert kept == fresh
    stats.clear_cache()
    return fresh


def test_the_figures_are_the_same_on_both_engines(request, tmp_path, demo_templates, server_copy):
    if "postgresql" not in selected_engines(request.config):
        pytest.skip("--engine=sqlite")
    template, report = demo_templates(300, 5, frozenset(ROLES))
    copy = tmp_path / "complaintdesk.sqlite3"
    copy.write_bytes(template.read_bytes())
    open_database(copy, backup_dir=tmp_path / "backups")
    try:
        on_sqlite = _figures()
    finally:
        close_database()
    name, server_report = request.getfixturevalue("server_demo_templates")(300, 5, frozenset(ROLES))
    same = dataclasses.replace(server_report, seconds=report.seconds)
    assert same == report  # the same demo office on both
    open_server(server_copy(name))
    on_server = _figures()
    assert stats.figures_for(parse_period("2026"), (), as_of=AS_OF, tz=CHINA_TZ).total > 0
    for period, here, there in zip(PERIODS, on_sqlite, on_server, strict=True):
        assert there == here, period

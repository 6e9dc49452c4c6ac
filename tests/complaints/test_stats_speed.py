"""The kept case summaries (schema 7) change no figure: the same figures whether nothing is
kept, they come from the database after a restart, or from memory; and a changed case or
policy is judged afresh. Plus the business volume use case (the complaint rate's base)."""

import dataclasses
from datetime import datetime, timedelta

import pytest

from complaints.rules import figures as fig
from complaints.rules import headline
from complaints.rules.periods import parse_period
from complaints.rules.volume import Volume
from complaints.usecases import stats, stats_review
from complaints.usecases.context import CHINA_TZ
from complaints.usecases.errors import PermissionDenied, UseCaseError
from db.models import Entry, database
from db.timeutil import from_db

AS_OF = datetime(2026, 11, 20, 9, 30, tzinfo=CHINA_TZ)


def plain(f: fig.Figures) -> dict:
    d = {k: v for k, v in vars(f).items() if k not in ("timeliness", "overall", "period")}
    d["timeliness"] = {k: dataclasses.astuple(v) for k, v in f.timeliness.items()}
    d["overall"] = dataclasses.astuple(f.overall)
    return d


def kept() -> int:
    return database.execute_sql("SELECT count(*) FROM stats_summaries").fetchone()[0]


@pytest.mark.parametrize("code", ["2026-10", "2026Q3", "2026-11a", "2026"])
def test_kept_summaries_change_no_figure(stats_demo, code):
    period = parse_period(code)
    cases, entries, earlier, sanctions = stats.load_period(period, (), CHINA_TZ)
    from complaints.usecases import policy as policy_uc

    plain_run = fig.compute(
        period, (), cases, entries, earlier, sanctions, policy_uc.book().at, AS_OF, CHINA_TZ
    )  # nothing kept at all
    assert kept() == 0
    first = stats.figures_for(period, (), as_of=AS_OF, tz=CHINA_TZ)
    assert kept() == 0  # the figures do not wait for the write
    closed = sum(1 for c in cases if c["state"] == "已关闭" and c["closed_at"] <= AS_OF)
    assert closed > 0 and stats.keep_summaries() == closed
    assert kept() == closed  # the closed cases' summaries were stored
    assert stats.keep_summaries() == 0  # written once
    stats.clear_cache()  # a restart: memory empty, the database keeps them
    after_restart = stats.figures_for(period, (), as_of=AS_OF, tz=CHINA_TZ)
    # Every kept summary was found valid: the fingerprint made from the entries read (when
    # nothing was kept) is the one the database computes when checking a kept one.
    assert stats.keep_summaries() == 0
    again = stats.figures_for(period, (), as_of=AS_OF, tz=CHINA_TZ)
    for f in (first, after_restart, again):
        assert {k: v for k, v in plain(f).items() if k != "complaint_rate"} == {
            k: v for k, v in plain(plain_run).items() if k != "complaint_rate"
        }


def test_a_kept_summary_is_not_used_once_its_entries_change(stats_demo, ctx):
    period = parse_period("2026-10")
    before = stats.figures_for(period, (), as_of=AS_OF, tz=CHINA_TZ)
    assert stats.keep_summaries() > 0
    # A closed, called-back case gets a 重开 entry from elsewhere (as a ledger import could
    # bring it) without its own row changing: its entries' fingerprint moves.
    cid = next(
        i
        for i in before.called_back
        if i not in before.reopened
        and database.execute_sql("SELECT state FROM cases WHERE id = ?", [i]).fetchone()[0]
        == "已关闭"
    )
    at = database.execute_sql("SELECT max(at) FROM entries WHERE case_id = ?", [cid]).fetchone()[0]
    Entry.create(
        uid="imported-1",
        site="BJ01",
        modified_at=AS_OF,
        case=cid,
        at=from_db(at) - timedelta(minutes=1),
        action="重开",
        actor="北京",
        note="",
        recorded_at=AS_OF,
    )
    stats.clear_cache()  # after a restart: the stored summary is not used
    assert cid in stats.figures_for(period, (), as_of=AS_OF, tz=CHINA_TZ).reopened
    assert cid in stats.figures_for(period, (), as_of=AS_OF, tz=CHINA_TZ).reopened  # memory


def test_a_stale_row_is_replaced_not_trusted(stats_demo):
    period = parse_period("2026-10")
    good = stats.figures_for(period, (), as_of=AS_OF, tz=CHINA_TZ)
    stats.keep_summaries()
    # Damage every kept row's fingerprint (as an edited policy would): all judged afresh.
    with database.atomic():
        database.execute_sql("UPDATE stats_summaries SET fingerprint = 'old', reopened = 1")
    stats.clear_cache()
    assert stats.figures_for(period, (), as_of=AS_OF, tz=CHINA_TZ).reopened == good.reopened
    stats.keep_summaries()
    assert (
        database.execute_sql(
            "SELECT count(*) FROM stats_summaries WHERE fingerprint = 'old'"
        ).fetchone()[0]
        == 0
    )


def test_business_volume_and_the_complaint_rate(stats_demo, ctx):
    oct_ = parse_period("2026-10")
    # the demo enters a volume for each past month: start from an office that entered none
    database.execute_sql("DELETE FROM volumes")
    stats.clear_cache()
    audited = database.execute_sql(
        "SELECT count(*) FROM audit_log WHERE event = 'stats.volume'"
    ).fetchone()[0]
    r = stats_review.review(ctx, oct_, compare=False)
    assert r.kpis["complaint_rate"] is None
    assert r.figures.complaint_rate.missing == (("SH01", "2026-10"),)
    stats.set_volumes(ctx, "sh01", {"2026-10": (1200, 300)})
    assert stats.volumes(["SH01"], ["2026-10", "2026-11"]) == {
        ("SH01", "2026-10"): Volume(1200, 300)
    }
    from db.models_volume import MonthlyVolume

    row = MonthlyVolume.get(site="SH01", month="2026-10")  # the model matches schema 7
    assert (row.service_visits, row.new_car_sales, row.modified_by) == (1200, 300, "测试员")
    assert row.modified_at == ctx.now()
    r = stats_review.review(ctx, oct_, compare=False)
    total = r.figures.total
    assert r.kpis["complaint_rate"] == pytest.approx(total / 1500)
    assert stats.volume_months(parse_period("2026Q4")) == ["2026-10", "2026-11", "2026-12"]
    # Removing a month's volume takes the rate away again (never a 0).
    stats.set_volumes(ctx, "SH01", {"2026-10": None})
    assert stats_review.review(ctx, oct_, compare=False).kpis["complaint_rate"] is None
    assert (
        database.execute_sql(
            "SELECT count(*) FROM audit_log WHERE event = 'stats.volume'"
        ).fetchone()[0]
        == audited + 2
    )  # in, out


def test_volume_input_is_checked(ctx):
    with pytest.raises(UseCaseError, match="月份"):
        stats.set_volumes(ctx, "SH01", {"2026-13": (1, 1)})
    with pytest.raises(UseCaseError, match="整数"):
        stats.set_volumes(ctx, "SH01", {"2026-10": (-1, 1)})
    clerk = dataclasses.replace(ctx, roles=frozenset({"客服专员"}))
    with pytest.raises(PermissionDenied):
        stats.set_volumes(clerk, "SH01", {"2026-10": (1, 1)})


def test_a_new_policy_leaves_earlier_cases_summaries_valid(stats_demo, ctx):
    from complaints.usecases import policy as policy_uc

    period = parse_period("2026-10")
    first = stats.figures_for(period, (), as_of=AS_OF, tz=CHINA_TZ)
    stats.keep_summaries()
    rows = database.execute_sql("SELECT case_id, fingerprint FROM stats_summaries").fetchall()
    assert rows
    # In force from now (20 Nov): October's cases were received under the old version.
    policy_uc.save(ctx, dataclasses.replace(policy_uc.load(), d9_minutes=45))
    stats.clear_cache()
    again = stats.figures_for(period, (), as_of=AS_OF, tz=CHINA_TZ)
    stats.keep_summaries()
    assert (
        database.execute_sql("SELECT case_id, fingerprint FROM stats_summaries").fetchall() == rows
    )
    assert headline.kpis(again) == headline.kpis(first)


@pytest.mark.sqlite_only("another process holding SQLite's write lock on the file")
def test_figures_do_not_wait_for_another_writer(stats_demo):
    import sqlite3

    other = sqlite3.connect(database.database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process writing (a ledger import)
    try:
        f = stats.figures_for(parse_period("2026-10"), (), as_of=AS_OF, tz=CHINA_TZ)
        assert f.total > 0
        assert stats.keep_summaries() == 0 and kept() == 0  # keeping them skipped this time
    finally:
        other.execute("ROLLBACK")
        other.close()
    busy = database.execute_sql("PRAGMA busy_timeout").fetchone()[0]
    assert busy > 50  # the connection's own timeout is back
    stats.clear_cache()
    stats.figures_for(parse_period("2026-10"), (), as_of=AS_OF, tz=CHINA_TZ)
    stats.keep_summaries()
    assert kept() > 0


def test_the_page_s_comparisons_and_the_report_keep_the_new_summaries(stats_demo, ctx):
    """The page asks review(compare=False) first (nothing written yet), then comparisons(),
    which keeps the summaries of all three periods; a report's review keeps them too."""
    period = parse_period("2026-10")
    stats_review.review(ctx, period, compare=False)
    assert kept() == 0
    stats_review.comparisons(ctx, period)
    months = [period, parse_period("2026-09"), parse_period("2025-10")]
    expected = set()
    for p in months:
        cases, *_ = stats.load_period(p, (), CHINA_TZ)
        expected |= {c["id"] for c in cases if c["state"] == "已关闭" and c["closed_at"] <= AS_OF}
    kept_ids = {r[0] for r in database.execute_sql("SELECT case_id FROM stats_summaries")}
    assert expected and kept_ids == expected
    stats.clear_cache(stored=True)
    stats_review.review(ctx, period)
    assert {r[0] for r in database.execute_sql("SELECT case_id FROM stats_summaries")} == expected


def test_the_reduced_entries_give_the_same_figures_as_all_of_them(stats_demo):
    """load_period reads only the entries the figures look at; every entry gives the same."""
    from collections import defaultdict

    from complaints.usecases import policy as policy_uc
    from db.timeutil import from_db

    period = parse_period("2026-10")
    cases, reduced, earlier, sanctions = stats.load_period(period, (), CHINA_TZ)
    every = defaultdict(list)
    ids = {c["id"] for c in cases}
    for cid, at, action, note in database.execute_sql(
        "SELECT case_id, at, action, note FROM entries WHERE deleted = 0"
    ):
        if cid in ids:
            every[cid].append({"at": from_db(at), "action": action, "note": note})
    assert sum(map(len, reduced.values())) < sum(map(len, every.values()))
    book = policy_uc.book()
    a = fig.compute(period, (), cases, reduced, earlier, sanctions, book.at, AS_OF, CHINA_TZ)
    b = fig.compute(period, (), cases, every, earlier, sanctions, book.at, AS_OF, CHINA_TZ)
    assert plain(a) == plain(b)

"""The month partials kept in the database (schema 20) change no figure: a year, a quarter or
a month at one or every site gives the same figures with nothing kept, after a restart that
reads the kept months, and after a write into a kept month (which the triggers forget)."""

import dataclasses
from datetime import datetime, timedelta

import pytest
from case_clock import T0, new_case

from complaints.rules import figures as fig
from complaints.rules.periods import parse_period
from complaints.usecases import policy as policy_uc
from complaints.usecases import stats, stats_months, tracking
from complaints.usecases.context import CHINA_TZ
from db import hold_rows
from db import stats_months as stats_months_rows
from db.models import Entry, database
from db.timeutil import from_db, to_db

AS_OF = datetime(2026, 11, 20, 9, 30, tzinfo=CHINA_TZ)
LATER = datetime(2027, 3, 2, 14, 0, tzinfo=CHINA_TZ)  # every demo case closed by then


def plain(f: fig.Figures) -> dict:
    d = {k: v for k, v in vars(f).items() if k not in ("timeliness", "overall", "period")}
    d["timeliness"] = {k: dataclasses.astuple(v) for k, v in f.timeliness.items()}
    d["overall"] = dataclasses.astuple(f.overall)
    return d


def uncached(period, sites, as_of) -> dict:
    """The figures of one pass over the period's cases, nothing kept anywhere."""
    cases, entries, earlier, sanctions = stats.load_period(period, sites, CHINA_TZ)
    vols = stats.volumes(sites, stats.volume_months(period))
    return plain(
        fig.compute(
            period,
            sites,
            cases,
            entries,
            earlier,
            sanctions,
            policy_uc.book().at,
            as_of,
            CHINA_TZ,
            volumes=vols,
            volume_sites=tuple(sites)
            or tuple(sorted({c["site"] for c in cases} | {k[0] for k in vols})),
        )
    )


def kept_months() -> int:
    return stats_months_rows.count()


def settled_months(year: str) -> int:
    """The months of ``year`` every case of which was closed by LATER (the demo leaves a few
    open for good)."""
    n = 0
    for m in range(1, 13):
        cases, *_ = stats.load_period(parse_period(f"{year}-{m:02d}"), (), CHINA_TZ)
        n += all(c["closed_at"] is not None and c["closed_at"] <= LATER for c in cases)
    return n


def restart() -> None:
    stats.clear_cache()  # memory emptied, the database keeps the months


def sites_of_demo() -> list[str]:
    return [r[0] for r in database.execute_sql("SELECT DISTINCT site FROM cases ORDER BY site")]


@pytest.mark.parametrize("as_of", [AS_OF, LATER])
@pytest.mark.parametrize("code", ["2026", "2026Q3", "2026-09", "2025"])
@pytest.mark.parametrize("one_site", [False, True])
def test_kept_months_change_no_figure(stats_demo, code, as_of, one_site):
    period = parse_period(code)
    sites = tuple(sites_of_demo()[:1]) if one_site else ()
    expected = uncached(period, sites, as_of)
    assert plain(stats.figures_for(period, sites, as_of=as_of, tz=CHINA_TZ)) == expected
    stats.keep_summaries()
    restart()
    assert plain(stats.figures_for(period, sites, as_of=as_of, tz=CHINA_TZ)) == expected
    assert plain(stats.figures_for(period, sites, as_of=as_of, tz=CHINA_TZ)) == expected


def test_a_restart_reads_the_kept_months_instead_of_the_cases(stats_demo, monkeypatch):
    year = parse_period("2026")
    first = plain(stats.figures_for(year, (), as_of=LATER, tz=CHINA_TZ))
    stats.keep_summaries()
    settled = settled_months("2026")
    assert settled >= 9 and kept_months() == settled
    restart()
    judged: list = []
    real = fig.accumulate
    monkeypatch.setattr(fig, "accumulate", lambda *a, **k: judged.append(a[0]) or real(*a, **k))
    assert plain(stats.figures_for(year, (), as_of=LATER, tz=CHINA_TZ)) == first
    assert len(judged) == 12 - settled  # only the months with a case still open
    # Asked as of a moment before some of its cases closed, a month is judged again.
    early = plain(stats.figures_for(year, (), as_of=AS_OF, tz=CHINA_TZ))
    assert judged and early == uncached(year, (), AS_OF)


def _closed_case_of(month: str) -> int:
    f = stats.figures_for(parse_period(month), (), as_of=LATER, tz=CHINA_TZ)
    return next(i for i in f.called_back if i not in f.reopened)


def test_a_write_into_a_kept_month_forgets_it(stats_demo):
    year = parse_period("2026")
    stats.figures_for(year, (), as_of=LATER, tz=CHINA_TZ)
    stats.keep_summaries()
    settled = settled_months("2026")
    assert kept_months() == settled
    # A tracking entry arrives for a closed case of September (as a ledger import brings it,
    # the case row untouched): September is forgotten, the other months stay.
    cid = _closed_case_of("2026-09")
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
    assert kept_months() == settled - 1
    # A case of March changes department: March is forgotten too.
    march = next(
        i for i in stats.figures_for(parse_period("2026-03"), (), as_of=LATER, tz=CHINA_TZ).case_ids
    )
    with database.atomic():
        database.execute_sql("UPDATE cases SET department = '新部门' WHERE id = ?", [march])
    assert kept_months() == settled - 2
    restart()
    f = stats.figures_for(year, (), as_of=LATER, tz=CHINA_TZ)
    assert cid in f.reopened and march in f.by["department"]["新部门"]
    assert plain(f) == uncached(year, (), LATER)
    stats.keep_summaries()
    assert kept_months() == settled


def test_a_month_computed_before_a_write_is_not_kept(stats_demo):
    """A write between the computation and the keeping (another seat, a ledger import)
    would leave a month the triggers never saw stale: it is not kept."""
    stats.figures_for(parse_period("2026Q3"), (), as_of=LATER, tz=CHINA_TZ)
    cid = _closed_case_of("2026-08")
    with database.atomic():
        database.execute_sql("UPDATE cases SET department = '新部门' WHERE id = ?", [cid])
    stats.keep_summaries()
    assert kept_months() == 0


def test_a_policy_version_starting_in_a_month_is_part_of_its_judging(stats_demo, ctx):
    book = policy_uc.book()
    fp = stats.policy_fingerprints(book, CHINA_TZ)
    dec = parse_period("2026-12")
    before = stats_months.judging(dec, CHINA_TZ, book, fp)
    policy_uc.save(
        ctx,
        dataclasses.replace(policy_uc.load(), d9_minutes=45, d1_clock="office"),
        effective_from=datetime(2026, 12, 10, tzinfo=CHINA_TZ),
    )
    book = policy_uc.book()
    fp = stats.policy_fingerprints(book, CHINA_TZ)
    assert stats_months.judging(dec, CHINA_TZ, book, fp) != before
    nov = parse_period("2026-11")
    assert stats_months.judging(nov, CHINA_TZ, book, fp).count(",") == 0  # one version in force


def test_emptied_at_will(stats_demo):
    stats.figures_for(parse_period("2026"), (), as_of=LATER, tz=CHINA_TZ)
    stats.keep_summaries()
    assert kept_months() > 0
    stats.clear_cache(stored=True)
    assert kept_months() == 0


def _keep_month(start: datetime, end: datetime) -> None:
    database.execute_sql(
        "INSERT INTO stats_months (start_at, end_at, sites, zone, judging, settled_at, cases, "
        "part) VALUES (?, ?, '', 'UTC+08:00', '', '', 0, '{}')",
        [to_db(start), to_db(end)],
    )


def test_the_triggers_forget_the_month_written_into_on_both_engines(engine_ctx):
    cid = new_case(engine_ctx)
    day = timedelta(days=1)
    other = (T0 - 400 * day, T0 - 370 * day)  # a month with nothing written into it

    def kept() -> set[str]:
        return {r[0] for r in database.execute_sql("SELECT start_at FROM stats_months")}

    def keep_both() -> None:
        database.execute_sql("DELETE FROM stats_months")
        _keep_month(T0 - day, T0 + day)
        _keep_month(*other)

    left = {to_db(other[0])}
    keep_both()
    tracking.record_action(engine_ctx, cid, "联系客户", note="已电话联系")  # an entry added
    assert kept() == left
    keep_both()
    database.execute_sql("UPDATE entries SET note = '改' WHERE case_id = ?", [cid])
    assert kept() == left
    keep_both()
    database.execute_sql("UPDATE cases SET department = '车间' WHERE id = ?", [cid])
    assert kept() == left
    keep_both()
    database.execute_sql("DELETE FROM entries WHERE case_id = ?", [cid])
    assert kept() == left
    database.execute_sql(
        "INSERT INTO stats_summaries (case_id, fingerprint, called_back, reopened, outcomes) "
        "VALUES (?, 'x', 0, 0, '')",
        [cid],
    )
    keep_both()
    database.execute_sql("DELETE FROM stats_summaries WHERE case_id = ?", [cid])
    assert kept() == left
    keep_both()
    new_case(engine_ctx)  # a case received in the month
    assert kept() == left
    keep_both()
    database.execute_sql("DELETE FROM cases WHERE id = ?", [cid])
    assert kept() == left


def test_the_holds_of_a_period_on_both_engines(engine_ctx):
    """The holds are read from their own index on SQLite (INDEXED BY), plainly on the
    server: the same rows."""
    cid = new_case(engine_ctx)
    tracking.record_action(engine_ctx, cid, "暂停", note="等待配件")
    day = timedelta(days=1)
    holds = hold_rows.period_holds(T0 - day, T0 + day, ())
    assert [e["action"] for e in holds[cid]] == ["暂停"]
    assert hold_rows.period_holds(T0 - day, T0 + day, ("XX99",)) == {}


@pytest.mark.parametrize("code", ["2026", "2026Q3"])
def test_office_time_clocks_too(stats_demo, ctx, code):
    """Every deadline counted in office time from 1 July 2026 noon (after the demo's own
    version of 1 July): the kept months give the figures of one uncached pass, July's
    judging names both versions, the months before keep the calendar clock's."""
    period = parse_period(code)
    on_calendar = uncached(period, (), LATER)
    earlier = dataclasses.replace(ctx, clock=lambda: datetime(2026, 7, 1, 12, tzinfo=CHINA_TZ))
    office = {f"d{i}_clock": "office" for i in range(1, 12)}
    policy_uc.save(earlier, dataclasses.replace(policy_uc.load(), **office))
    restart()
    expected = uncached(period, (), LATER)
    assert expected != on_calendar
    assert plain(stats.figures_for(period, (), as_of=LATER, tz=CHINA_TZ)) == expected
    stats.keep_summaries()
    assert kept_months() > 0
    restart()
    assert plain(stats.figures_for(period, (), as_of=LATER, tz=CHINA_TZ)) == expected


def test_a_kept_month_goes_with_its_cases_kept_summaries(stats_demo):
    """Summaries deleted (forget_summaries, or as an import's new cases lack them): their
    months are judged again, so the fill keeps the summaries anew."""
    stats.figures_for(parse_period("2026"), (), as_of=LATER, tz=CHINA_TZ)
    stats.keep_summaries()
    before = kept_months()
    cid = _closed_case_of("2026-09")
    with database.atomic():
        database.execute_sql("DELETE FROM stats_summaries WHERE case_id = ?", [cid])
    assert kept_months() == before - 1
    restart()
    stats.figures_for(parse_period("2026-09"), (), as_of=LATER, tz=CHINA_TZ)
    stats.keep_summaries()
    assert kept_months() == before
    assert database.execute_sql(
        "SELECT count(*) FROM stats_summaries WHERE case_id = ?", [cid]
    ).fetchone()[0]

"""The complaint rate (投诉率) on the hand-worked October dataset of test_figures.py.

October's cases 1–4: business 售后, 售后, 销售, 售后 → 4 cases, 3 售后, 1 销售.
Volume entered for SH01, October: 进厂台次 1,200, 新车销售台数 300 (1,500 in all).
  投诉率 = 4 ÷ 1,500 × 1,000 = 2.67‰; 售后 3 ÷ 1,200 = 2.50‰; 销售 1 ÷ 300 = 3.33‰.
"""

import pytest

from complaints.rules import figures as fig
from complaints.rules import headline
from complaints.rules.periods import parse_period
from complaints.rules.policy import Policy
from complaints.rules.volume import Volume
from tests.complaints.rules.test_figures import (
    AS_OF,
    CASES,
    CST,
    EARLIER,
    ENTRIES,
    OCT,
    SANCTIONS,
)

OCT_VOLUME = {("SH01", "2026-10"): Volume(1200, 300)}


def run(period=OCT, sites=("SH01",), volumes=OCT_VOLUME, volume_sites=()):
    return fig.compute(
        period,
        sites,
        CASES,
        ENTRIES,
        EARLIER,
        SANCTIONS,
        lambda _at: Policy(),
        AS_OF,
        CST,
        volumes=volumes,
        volume_sites=volume_sites,
    )


def test_complaint_rate_per_thousand():
    r = run().complaint_rate
    assert (r.cases, r.service_cases, r.sales_cases) == (4, 3, 1)
    assert r.volume == Volume(1200, 300) and r.volume.total == 1500
    assert r.value == pytest.approx(4 / 1500)
    assert r.service_value == pytest.approx(0.0025)
    assert r.sales_value == pytest.approx(1 / 300)
    k = headline.kpis(run())
    assert k["complaint_rate"] == pytest.approx(4 / 1500)
    assert headline.format_kpi("complaint_rate", k["complaint_rate"]) == "2.67‰"
    assert headline.format_change("complaint_rate", 0.0005) == "+0.50‰"
    assert headline.format_change("complaint_rate", -0.000001) == "±0.00‰"


def test_no_volume_means_no_rate_never_zero():
    r = run(volumes={}).complaint_rate
    assert r.value is None and r.volume is None
    assert r.missing == (("SH01", "2026-10"),)
    assert headline.kpis(run(volumes={}))["complaint_rate"] is None
    assert headline.format_kpi("complaint_rate", None) == "未填业务量"
    # Volume not asked for at all (the pure figures alone): no rate either.
    assert (
        fig.compute(
            OCT, ("SH01",), CASES, ENTRIES, EARLIER, SANCTIONS, lambda _at: Policy(), AS_OF, CST
        ).complaint_rate
        is None
    )
    # A volume of 0 gives no rate (no division by zero, no 0 ‰).
    assert run(volumes={("SH01", "2026-10"): Volume(0, 0)}).complaint_rate.value is None


def test_every_site_and_month_must_have_its_volume():
    q4 = parse_period("2026Q4")  # October only entered: November and December missing
    r = run(period=q4).complaint_rate
    assert r.value is None
    assert r.missing == (("SH01", "2026-11"), ("SH01", "2026-12"))
    full = {("SH01", f"2026-{m}"): Volume(1000, 250) for m in (10, 11, 12)}
    r = run(period=q4, volumes=full).complaint_rate
    # Q4 holds the same four cases (case 8 is 1 Nov 00:00, in Q4 too): 5 ÷ 3,750.
    assert r.cases == 5 and r.volume == Volume(3000, 750)
    assert r.value == pytest.approx(5 / 3750)
    # Two sites: SH02's October is missing → no rate for the pair.
    r = run(sites=(), volume_sites=("SH01", "SH02")).complaint_rate
    assert r.value is None and r.missing == (("SH02", "2026-10"),)
    both = {**OCT_VOLUME, ("SH02", "2026-10"): Volume(800, 100)}
    r = run(sites=(), volumes=both, volume_sites=("SH01", "SH02")).complaint_rate
    assert r.volume == Volume(2000, 400) and r.value == pytest.approx(4 / 2400)


def test_part_of_a_month_has_no_rate():
    half = parse_period("2026-10b")  # 16–31 October: cases 3 and 4
    r = run(period=half).complaint_rate
    assert r.value is None and not r.whole_months and r.cases == 2
    assert r.why_none == "按整月计算"
    assert headline.format_kpi("complaint_rate", None, r.why_none) == "按整月计算"
    # A custom range of whole months counts like the months.
    r = run(period=parse_period("2026-10-01..2026-10-31")).complaint_rate
    assert r.value == pytest.approx(4 / 1500)

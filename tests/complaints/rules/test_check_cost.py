"""The arithmetic of the check's estimate: each part's measure over its rate, the rate of
this PC's last run when there is one."""

import pytest

from complaints.rules import check_cost

GB = 1e9
SIZES = {check_cost.BYTES: 2 * GB, check_cost.AUDIT_ENTRIES: 600_000.0}
FULL = ["integrity", "schema", "foreign_keys", "search_index", "verify_chain"]


def test_before_any_run_the_defaults_say_size_over_80_mb_a_second_plus_the_audit_chain():
    # 2 GB at 100, 800 and 800 MB/s (80 MB/s together), 600k entries at 150k a second,
    # the schema at 5 GB/s.
    assert check_cost.estimate(FULL, SIZES, {}) == pytest.approx(25 + 4 + 0.4)
    assert check_cost.estimate(["quick_integrity"], SIZES, {}) == pytest.approx(5)


def test_the_last_run_s_rates_replace_the_defaults_part_by_part():
    rates = check_cost.measured_rates({"integrity": 10.0, "verify_chain": 2.0}, SIZES, {})
    assert rates == {"integrity": 200e6, "verify_chain": 300_000.0}
    # integrity 10 s, foreign keys and search index 2.5 s each (defaults), chain 2 s, schema
    assert check_cost.estimate(FULL, SIZES, rates) == pytest.approx(10 + 2.5 + 2.5 + 2 + 0.4)
    # Twice the database: twice the time at the same rates.
    double = {k: 2 * v for k, v in SIZES.items()}
    assert check_cost.estimate(FULL, double, rates) == pytest.approx(2 * 17.4)
    # A later run replaces only the parts it timed.
    again = check_cost.measured_rates({"integrity": 5.0}, SIZES, rates)
    assert again == {"integrity": 400e6, "verify_chain": 300_000.0}


def test_a_part_quicker_than_the_timer_s_noise_counts_as_its_shortest():
    rates = check_cost.measured_rates({"schema": 0.0, "foreign_keys": 0.001}, SIZES, {})
    assert rates == {"schema": 2 * GB / 0.01, "foreign_keys": 2 * GB / 0.01}


def test_nothing_measured_on_an_empty_measure_and_bad_rates_ignored():
    assert check_cost.measured_rates({"verify_chain": 1.0}, {check_cost.BYTES: GB}, {}) == {}
    assert check_cost.rate_of("integrity", {"integrity": 0.0}) == 100e6


@pytest.mark.parametrize(("seconds", "said"), [(0.0, 1), (0.4, 1), (1.6, 2), (29.4, 29)])
def test_whole_seconds_said(seconds, said):
    assert check_cost.said_seconds(seconds) == said

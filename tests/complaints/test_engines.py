"""The core use cases on both engines: each test below runs on this PC's SQLite file and on
the office's PostgreSQL server (``engine_ctx``, tests/conftest.py). The tests themselves are
the ones of their own modules, so the two engines answer to the same assertions."""

from __future__ import annotations

import pytest

import tests.complaints.test_cases as case_tests

SHARED = [
    case_tests.test_create_numbers_per_site_and_month,
    case_tests.test_vin_check_digit_warns_but_saves,
    case_tests.test_bad_input_names_the_field_and_changes_nothing,
    case_tests.test_update_counts_revision_and_refuses_stale,
    case_tests.test_search_short_and_long,
    case_tests.test_filters,
]


@pytest.mark.parametrize(
    "test", SHARED, ids=lambda t: f"{t.__module__.rsplit('.', 1)[-1]}.{t.__name__}"
)
def test_on_both_engines(engine_ctx, test):
    test(engine_ctx)

"""The core use cases on both engines: every test of the modules below that needs nothing
but ``ctx`` runs here on this PC's SQLite file and on the office's PostgreSQL server
(``engine_ctx``, tests/conftest.py), so the two engines answer to the same assertions."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

import tests.complaints.test_cases as case_tests
import tests.complaints.test_sanctions_usecases as sanction_tests
import tests.complaints.test_stale_save as stale_tests
import tests.complaints.test_todo as todo_tests
import tests.complaints.test_tracking as tracking_tests

MODULES = (case_tests, tracking_tests, todo_tests, sanction_tests, stale_tests)


def _tests_taking(module, *params: str):
    """The tests of ``module`` whose parameters are exactly ``params``."""
    for name, fn in vars(module).items():
        is_test = name.startswith("test_") and inspect.isfunction(fn)
        if is_test and list(inspect.signature(fn).parameters) == list(params):
            yield fn


SHARED = [fn for module in MODULES for fn in _tests_taking(module, "ctx")]


@pytest.mark.parametrize(
    "test", SHARED, ids=lambda t: f"{t.__module__.rsplit('.', 1)[-1]}.{t.__name__}"
)
def test_on_both_engines(engine_ctx, test):
    test(engine_ctx)


@pytest.mark.parametrize(
    "test", list(_tests_taking(todo_tests, "cx", "clock")), ids=lambda t: f"test_todo.{t.__name__}"
)
def test_todo_on_both_engines(engine_ctx, test):
    clock = todo_tests.Clock(todo_tests.T0)
    test(dataclasses.replace(engine_ctx, actor="客服小王", clock=clock), clock)


@pytest.mark.parametrize("owner", ["BJ02", None], ids=["another site's case", "own case"])
def test_second_save_refused_on_both_engines(engine_ctx, owner):
    stale_tests.test_second_save_of_a_case_both_people_opened_is_refused(engine_ctx, owner)

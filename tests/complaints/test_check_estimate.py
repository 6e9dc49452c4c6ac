"""The check's estimate is calibrated on this PC: a run keeps each part's measured rate in
the data folder, and the next estimate is the database's measures over those rates."""

import json

import pytest

from complaints.rules import check_cost
from complaints.usecases import audit, check_estimate, storage

_THIS_PC = pytest.mark.sqlite_only("the rates are kept in this PC's data folder, beside its file")


def test_the_estimate_is_said_before_a_check_on_both_engines(ctx):
    heard: list[str] = []
    problems = storage.run_checks(progress=lambda _done, _total, text: heard.append(text))
    assert problems == [] and heard[0].startswith("检查约需 ") and heard[0].endswith(" 秒")


@_THIS_PC
def test_a_run_keeps_its_rates_and_the_next_estimate_uses_them(ctx):
    path = check_estimate.rates_path()
    assert path is not None and not path.exists()
    audit.record(ctx, "test.event", note="审计日志不为空:链的速率也量得到")
    storage.run_checks(quick=True)
    kept = json.loads(path.read_text(encoding="utf-8"))
    assert set(kept) == {f.__name__ for f in storage.QUICK_CHECKS}
    storage.run_checks()
    kept = check_estimate.load_rates()
    assert {f.__name__ for f in storage.CHECKS} <= set(kept)
    # Rates as a slow PC measured them: the estimate is the arithmetic of them.
    sizes = check_estimate.sizes()
    slow = {name: sizes[check_cost.measure_of(name)] / 7.0 for name in kept}  # 7 s each
    path.write_text(json.dumps(slow), encoding="utf-8")
    assert storage.check_estimate(quick=True) == f"检查约需 {7 * len(storage.QUICK_CHECKS)} 秒"
    assert storage.check_estimate() == f"检查约需 {7 * len(storage.CHECKS)} 秒"


@_THIS_PC
def test_an_unreadable_rates_file_means_the_defaults(ctx):
    path = check_estimate.rates_path()
    assert path is not None
    path.write_text("{not json", encoding="utf-8")
    assert check_estimate.load_rates() == {}
    path.write_text(json.dumps({"integrity": "fast", "schema": -1, "x": True}), encoding="utf-8")
    assert check_estimate.load_rates() == {}
    assert storage.check_estimate().startswith("检查约需 ")

"""Two people editing one case: the second save over the first is refused with who and
when, whichever site owns the case (issue 15 §4). Only the owning site counts revisions, so
for another site's case the revision alone cannot tell; the version the editor loaded can."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from complaints.usecases import cases
from complaints.usecases.context import Context
from complaints.usecases.errors import StaleRecord
from tests.conftest import FIXED_NOW


def _case(ctx, owner: str | None = None) -> int:
    maker = ctx if owner is None else dataclasses.replace(ctx, site=owner)
    v = cases.blank_case(maker)
    v.update(customer_name="王芳", content="新车交付时漆面有划痕,要求补漆", phone="13900001111")
    return cases.create_case(maker, v).id


def _person(ctx: Context, actor: str, minutes: int) -> Context:
    return dataclasses.replace(
        ctx, actor=actor, clock=lambda: FIXED_NOW + timedelta(minutes=minutes)
    )


@pytest.mark.parametrize("owner", ["BJ02", None], ids=["another site's case", "own case"])
def test_second_save_of_a_case_both_people_opened_is_refused(ctx, owner):
    case_id = _case(ctx, owner)
    first, second = _person(ctx, "李雷", 5), _person(ctx, "韩梅梅", 6)
    # both open the case
    opened = [cases.get_case(case_id), cases.get_case(case_id)]
    versions = [cases.version_of(v) for v in opened]
    assert versions[0] == versions[1]
    cases.update_case(
        first,
        case_id,
        {"plan": "免费补漆"},
        expected_revision=opened[0]["revision"],
        expected_version=versions[0],
    )
    with pytest.raises(StaleRecord) as e:
        cases.update_case(
            second,
            case_id,
            {"plan": "赠送保养一次"},
            expected_revision=opened[1]["revision"],
            expected_version=versions[1],
        )
    msg = str(e.value)
    assert "已被他人修改" in msg and "李雷" in msg and "2026-11-20 09:35" in msg
    assert "尚未保存" in msg
    assert cases.get_case(case_id)["plan"] == "免费补漆"  # the first edit is not lost


def test_same_second_saves_of_another_sites_case_are_told_apart(ctx):
    """Times are stored to the second and the revision stays: the content tells."""
    case_id = _case(ctx, "BJ02")
    a, b = _person(ctx, "李雷", 5), _person(ctx, "韩梅梅", 5)
    loaded = cases.version_of(cases.get_case(case_id))
    cases.update_case(a, case_id, {"advisor": "赵敏"}, expected_version=loaded)
    assert cases.get_case(case_id)["revision"] == 1  # not the owner: no new revision
    with pytest.raises(StaleRecord, match="李雷"):
        cases.update_case(b, case_id, {"advisor": "钱进"}, expected_version=loaded)
    assert cases.get_case(case_id)["advisor"] == "赵敏"


def test_a_save_with_the_current_version_goes_through(ctx):
    case_id = _case(ctx, "BJ02")
    loaded = cases.get_case(case_id)
    r = cases.update_case(ctx, case_id, {"plan": "道歉"}, expected_version=cases.version_of(loaded))
    again = cases.get_case(r.id)
    cases.update_case(
        ctx, case_id, {"plan": "道歉并补漆"}, expected_version=cases.version_of(again)
    )
    assert cases.get_case(case_id)["plan"] == "道歉并补漆"

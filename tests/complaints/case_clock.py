"""A case on a clock the test moves by hand: the set-up the tracking, follow-up and
emergency tests share (a Friday morning at the office)."""

from __future__ import annotations

from datetime import datetime

from complaints.usecases import cases
from complaints.usecases.context import CHINA_TZ

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=CHINA_TZ)  # a Friday


class Clock:
    """``ctx.clock``: returns ``now``, which the test sets."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def new_case(cx, **over) -> int:
    """A 售后 case received at T0 (``over`` replaces any field)."""
    v = cases.blank_case(cx)
    v.update(
        customer_name="张伟",
        content="保养后发动机异响",
        received_at=T0,
        business="售后",
        area="维修技术",
    )
    v.update(over)
    return cases.create_case(cx, v).id

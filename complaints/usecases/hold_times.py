"""Time on hold in the monthly figures: how many of a period's cases were put on hold
(暂停) and for how long, in calendar hours up to the figures' moment."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import datetime, tzinfo

from complaints.rules import figures as fig
from complaints.rules.pauses import PAUSE, hours_on_hold
from complaints.rules.periods import Period
from db import hold_rows


def on_hold(period: Period, sites: Sequence[str], *, as_of: datetime, tz: tzinfo) -> fig.Duration:
    """Mean and median hours on hold over the period's cases that were put on hold."""
    start, end = period.bounds(tz)
    entries = hold_rows.period_holds(start, end, sites)
    hours = [
        hours_on_hold(es, as_of)
        for es in entries.values()
        if any(e["action"] == PAUSE and e["at"] <= as_of for e in es)
    ]
    if not hours:
        return fig.Duration(0, None, None)
    return fig.Duration(len(hours), sum(hours) / len(hours), statistics.median(hours))

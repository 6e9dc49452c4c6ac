"""Routing R1 (policy.md §2): which department a case is proposed for.

Sales → 销售部 (销售经理); after-sales → 售后服务部 (售后站长), or straight to the workshop,
parts or front desk when the service area is known. Only a proposal: CS may change it.
Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from complaints.rules.policy import Policy


def propose_department(business: str | None, area: str | None, policy: Policy) -> str | None:
    """The department of the most specific R1 row matching (business, area); None if none."""
    best: str | None = None
    best_score = -1
    for row_business, row_area, department in policy.routing:
        if row_business != (business or ""):
            continue
        if row_area and row_area != (area or ""):
            continue
        score = 1 if row_area else 0
        if score > best_score:
            best, best_score = department, score
    return best


def route_case(case: Mapping[str, Any], policy: Policy) -> str | None:
    return propose_department(case.get("business"), case.get("area"), policy)

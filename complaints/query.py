"""What a list of cases asks for: filters, search text, sort. A plain value that the
GUI builds and ``db.queries`` turns into SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class CaseFilter:
    states: frozenset[str] = field(default_factory=frozenset)
    channels: frozenset[str] = field(default_factory=frozenset)
    kinds: frozenset[str] = field(default_factory=frozenset)
    severities: frozenset[str] = field(default_factory=frozenset)
    departments: frozenset[str] = field(default_factory=frozenset)
    sites: frozenset[str] = field(default_factory=frozenset)
    received_from: datetime | None = None  # inclusive
    received_to: datetime | None = None  # exclusive
    text: str = ""  # full-text search over number, name, phone, VIN, plate, content
    include_deleted: bool = False


# Columns a list may sort by (field names of complaints.fields).
SORTABLE = frozenset(
    {
        "number",
        "received_at",
        "channel",
        "kind",
        "severity",
        "business",
        "customer_name",
        "plate",
        "vin",
        "department",
        "responsible",
        "state",
        "liability",
        "site",
        "modified_at",
        "car_model",
        "phone",
        "closed_at",
        "fmc_status",
    }
)


@dataclass(frozen=True)
class Sort:
    column: str = "received_at"
    descending: bool = True

    def __post_init__(self):
        if self.column not in SORTABLE:
            raise ValueError(f"cannot sort by {self.column!r}")


NEWEST_FIRST = Sort()

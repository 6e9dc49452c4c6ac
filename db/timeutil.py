"""How times are stored: UTC text of fixed width, so text order is time order."""

from __future__ import annotations

from datetime import UTC, date, datetime

_FMT = "%Y-%m-%dT%H:%M:%S+00:00"


def to_db(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: every stored time must carry its offset")
    return value.astimezone(UTC).strftime(_FMT)


def from_db(text: str | None) -> datetime | None:
    if text is None or text == "":
        return None
    return datetime.fromisoformat(text)


def date_to_db(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def date_from_db(text: str | None) -> date | None:
    if not text:
        return None
    return date.fromisoformat(text)

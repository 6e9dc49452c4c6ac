"""The cost of a check said before it starts ("检查约需 N 秒"), calibrated on this PC: the
database's size and audit log now, at the rates this PC measured on its last run of each part
(complaints/rules/check_cost.py). The rates are kept in the data folder, beside the database
file (``check-rates.json``): they describe this PC's disk and processor, so they neither
travel in a backup's copy nor apply on the office server."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from complaints.rules import check_cost
from db import audit_rows, check, server_check
from db.database import database_path
from db.models import on_server

RATES_FILE = "check-rates.json"


def rates_path() -> Path | None:
    """Where this PC keeps its measured rates (None on the office server)."""
    path = database_path()
    return None if path is None or on_server() else path.with_name(RATES_FILE)


def load_rates() -> dict[str, float]:
    """part → measured rate per second (empty before any run, or when unreadable)."""
    path = rates_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8")) if path is not None else {}
    except (OSError, ValueError):
        return {}
    if not isinstance(raw, dict):
        return {}
    return {
        str(k): float(v)
        for k, v in raw.items()
        if isinstance(v, int | float) and not isinstance(v, bool) and v > 0
    }


def _save_rates(rates: Mapping[str, float]) -> None:
    """Best effort: a read-only folder only means the next estimate is not calibrated."""
    path = rates_path()
    if path is None:
        return
    part = path.with_name(path.name + ".tmp")  # .part files are the backups' (db/partfiles.py)
    try:
        part.write_text(json.dumps(dict(rates), sort_keys=True, indent=1), encoding="utf-8")
        os.replace(part, path)
    except OSError:
        part.unlink(missing_ok=True)


def sizes() -> dict[str, float]:
    """The measures the parts' times grow with, of the open database."""
    last = audit_rows.last()
    return {
        check_cost.BYTES: float(
            server_check.database_bytes() if on_server() else check.database_bytes()
        ),
        check_cost.AUDIT_ENTRIES: float(last[0] if last else 0),
    }


def seconds(parts: Sequence[Callable[..., object]]) -> int:
    """About how long ``parts`` (check functions) take on the open database, in whole
    seconds (at least 1)."""
    names = [p.__name__ for p in parts]
    return check_cost.said_seconds(check_cost.estimate(names, sizes(), load_rates()))


def remember(took: Mapping[str, float], measured_on: Mapping[str, float]) -> None:
    """Keep the rates of a run: check function name → seconds it took on a database of
    ``measured_on`` (sizes() when the run began)."""
    if took and rates_path() is not None:
        _save_rates(check_cost.measured_rates(took, measured_on, load_rates()))

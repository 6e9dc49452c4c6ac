"""Unsaved edits of a case window, kept on disk while the clerk types, so a crash or a power
cut loses nothing: the next start (or the next opening of that case) puts them back.

A draft is one small JSON file in the data folder's ``drafts/`` (written to a temporary file
and renamed, so a crash mid-write leaves the previous draft). It holds who typed it, when,
which case (none for a new one) at which revision, and the changed boxes only; it is removed
when the case is saved or the person chooses 放弃. Drafts are the typing of the person
signed in on this PC; another person's drafts wait until that person signs in.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from complaints.usecases.context import Context

VERSION = 1


@dataclass(frozen=True)
class Draft:
    key: str
    actor: str
    saved_at: datetime
    case_id: int | None
    number: str | None
    revision: int | None
    changes: dict[str, Any]
    case_version: str | None = None  # cases.version_of the case the person was editing

    @property
    def is_new_case(self) -> bool:
        return self.case_id is None


def new_key(case_id: int | None) -> str:
    """The file name stem of an editor's draft: one per case, one per new-case window."""
    return f"case-{case_id}" if case_id is not None else f"new-{uuid.uuid4().hex[:12]}"


def _encode(v: Any) -> Any:
    if isinstance(v, datetime):
        return {"$dt": v.isoformat()}
    if isinstance(v, date):
        return {"$d": v.isoformat()}
    return v


def _decode(v: Any) -> Any:
    if isinstance(v, dict) and len(v) == 1:
        if "$dt" in v:
            return datetime.fromisoformat(v["$dt"])
        if "$d" in v:
            return date.fromisoformat(v["$d"])
    return v


def save(
    folder: Path,
    ctx: Context,
    key: str,
    changes: dict[str, Any],
    *,
    case_id: int | None,
    number: str | None,
    revision: int | None,
    case_version: str | None = None,
) -> Path:
    """Write (or replace) the draft ``key``; atomic, so a crash keeps the previous one."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{key}.json"
    body = {
        "version": VERSION,
        "actor": ctx.actor,
        "saved_at": ctx.now().isoformat(),
        "case_id": case_id,
        "number": number,
        "revision": revision,
        "case_version": case_version,
        "changes": {k: _encode(v) for k, v in changes.items()},
    }
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(body, f, ensure_ascii=False)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return path


def discard(folder: Path, key: str) -> None:
    (folder / f"{key}.json").unlink(missing_ok=True)


def _read(path: Path) -> Draft | None:
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        if body.get("version") != VERSION:
            return None
        return Draft(
            path.stem,
            str(body["actor"]),
            datetime.fromisoformat(body["saved_at"]),
            body.get("case_id"),
            body.get("number"),
            body.get("revision"),
            {k: _decode(v) for k, v in dict(body["changes"]).items()},
            body.get("case_version"),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None  # unreadable: left in place for a person to look at, never half-used


def find(folder: Path, ctx: Context, key: str) -> Draft | None:
    """The draft ``key`` if this person typed it."""
    d = _read(folder / f"{key}.json")
    return d if d is not None and d.actor == ctx.actor else None


def pending(folder: Path, ctx: Context) -> list[Draft]:
    """This person's drafts, oldest first (what the app offers back at start)."""
    if not folder.is_dir():
        return []
    found = [
        d for p in folder.glob("*.json") if (d := _read(p)) is not None and d.actor == ctx.actor
    ]
    return sorted(found, key=lambda d: d.saved_at)

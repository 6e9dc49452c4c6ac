"""The change journal: which tables the writes of this thread touched, and which topic of
the pages each table belongs to.

Every statement that goes through the database's connection is looked at here (the engine's
cursor calls ``note_sql``), so no write can forget to say what it changed. A recorder is
active only around a piece of work that wants to know (``recording()``: a task of the GUI's
worker, a write made on the GUI thread); without one, noting costs one thread-local look-up.

A write rolled back is still noted: a page then refreshes once for nothing, and never misses
a change. Work that replaces the database as a whole (a restore) or changes what a page shows
outside the database says so with ``note_everything()`` / ``note_topics()``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

# What the pages refresh from: each page names the topics it shows.
TOPICS = ("cases", "entries", "sanctions", "settings", "users", "forms", "ledger", "audit")

# Each table of the schema belongs to the topic of the pages that show it (a new table needs
# its line here or in NOT_SHOWN: tests/db/test_changes.py checks a freshly migrated database).
TABLE_TOPICS: dict[str, str] = {
    "cases": "cases",
    "cases_fts": "cases",  # the case list's search: number, VIN, plate, content
    "cases_customer_fts": "cases",  # and name, phone
    "cases_bigram_customer": "cases",  # the same for 1-2 characters: name, phone
    "cases_bigram_case": "cases",  # and number, VIN, plate, content
    "attachments": "cases",
    "blobs": "cases",  # the attachments' and scans' contents on the office server
    "entries": "entries",
    "sanctions": "sanctions",
    "settings": "settings",
    "sites": "settings",
    "departments": "settings",
    "staff": "settings",
    "volumes": "settings",
    "calendar_years": "settings",
    "calendar_days": "settings",
    "users": "users",
    "printed_forms": "forms",
    "ledger_exports": "ledger",
    "ledger_imports": "ledger",
    "ledger_base": "ledger",
    "ledger_conflicts": "ledger",
    "ledger_versions": "ledger",
    "ledger_meta": "ledger",
    "audit_log": "audit",
    "audit_head": "audit",
    "site_audit_chains": "audit",
    "audit_exports": "audit",
}

# Tables no page shows: writing them must not refresh anything (the month summaries are a
# cache that the stats page's own reads fill; refreshing on them would loop).
NOT_SHOWN = frozenset(
    {
        "schema_version",
        "stats_summaries",
        "reminders_sent",  # which seat showed a reminder: the notifier's own bookkeeping
        "stats_months",
        # which cases each write touched, and the log's epoch: the kept to-do list's own
        "case_touches",
        "case_touch_log",
        # SQLite's own storage of the search index, written by the FTS engine itself
        "cases_fts_config",
        "cases_fts_content",
        "cases_fts_data",
        "cases_fts_docsize",
        "cases_fts_idx",
        "cases_customer_fts_config",
        "cases_customer_fts_content",
        "cases_customer_fts_data",
        "cases_customer_fts_docsize",
        "cases_customer_fts_idx",
        "cases_bigram_customer_config",
        "cases_bigram_customer_data",
        "cases_bigram_customer_docsize",
        "cases_bigram_customer_idx",
        "cases_bigram_case_config",
        "cases_bigram_case_data",
        "cases_bigram_case_docsize",
        "cases_bigram_case_idx",
    }
)

_NAME = r'(?:["`\[]?\w+["`\]]?\s*\.\s*)?["`\[]?(\w+)["`\]]?'
_WRITE = re.compile(
    r"\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+"
    + _NAME,
    re.IGNORECASE,
)
_WRITE_ANYWHERE = re.compile(
    r"\b(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+"
    + _NAME,
    re.IGNORECASE,
)
_WITH = re.compile(r"\s*WITH\b", re.IGNORECASE)
# PostgreSQL's bulk load (COPY t (columns) FROM STDIN) writes t; COPY ... TO only reads.
_COPY_IN = re.compile(r"\s*COPY\s+" + _NAME + r"\s*(?:\([^)]*\))?\s*FROM\b", re.IGNORECASE)
# An FTS5 command ('integrity-check', 'rebuild') is an INSERT into the column named after the
# table itself: it checks or rebuilds the index, it changes nothing a page shows.
_FTS_COMMAND = re.compile(r'\s*INSERT\s+INTO\s+"?(\w+)"?\s*\(\s*"?\1"?\s*[,)]', re.IGNORECASE)

_local = threading.local()


@dataclass(eq=False)  # each recorder is itself: the stack removes this one, not an equal one
class Recorder:
    """What the writes of one piece of work touched."""

    tables: set[str] = field(default_factory=set)
    topics: set[str] = field(default_factory=set)  # said explicitly (note_topics)
    everything: bool = False

    def changed_topics(self) -> frozenset[str]:
        """The topics of the pages that show what was written."""
        if self.everything:
            return frozenset(TOPICS)
        found = set(self.topics)
        for table in self.tables:
            topic = TABLE_TOPICS.get(table)
            if topic is not None:
                found.add(topic)
            elif table not in NOT_SHOWN:  # a table this module does not know: refresh all
                return frozenset(TOPICS)
        return frozenset(found)


def _stack() -> list[Recorder]:
    stack: list[Recorder] | None = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    return stack


@contextmanager
def recording() -> Iterator[Recorder]:
    """Note the writes this thread makes inside the block (an enclosing recorder hears
    them too)."""
    rec = Recorder()
    stack = _stack()
    stack.append(rec)
    try:
        yield rec
    finally:
        stack.remove(rec)


def active() -> bool:
    """Whether a recorder listens on this thread."""
    return bool(getattr(_local, "stack", None))


def written_table(sql: str) -> str | None:
    """The table an INSERT/UPDATE/DELETE/REPLACE statement (or a COPY into a table) writes,
    or None for anything else."""
    m = _WRITE.match(sql) or _COPY_IN.match(sql)
    if m is not None and _FTS_COMMAND.match(sql):
        return None
    if m is None and _WITH.match(sql):
        m = _WRITE_ANYWHERE.search(sql)
    return m.group(1).lower() if m is not None else None


def note_sql(sql: str) -> None:
    """Note the table that ``sql`` writes, if it writes one."""
    stack = getattr(_local, "stack", None)
    if not stack:
        return
    table = written_table(sql)
    if table is not None:
        for rec in stack:
            rec.tables.add(table)


def note_topics(topics: Iterable[str]) -> None:
    """Note a change that pages show but that is not a row of a table (a template file)."""
    wanted = set(topics)
    unknown = wanted.difference(TOPICS)
    if unknown:
        raise ValueError(f"unknown topics: {sorted(unknown)}")
    for rec in getattr(_local, "stack", None) or ():
        rec.topics.update(wanted)


def note_everything() -> None:
    """Note that the whole database changed (a restore, a file swapped in)."""
    for rec in getattr(_local, "stack", None) or ():
        rec.everything = True

"""Schema 11: 当场是否解决, the answer at registration of an on-site case.

D3 (escalate within 5 minutes) applies to on-site cases the advisor could not settle on the
spot (policy.md §4). The clerk answers at registration; not answered counts as not settled,
so every case registered before this step keeps its D3.
"""

from __future__ import annotations

STATEMENTS = [
    "ALTER TABLE cases ADD COLUMN settled_on_site INTEGER NOT NULL DEFAULT 0",
]


def up(execute) -> None:
    for sql in STATEMENTS:
        execute(sql)

"""Schema 24: the cases touched by each write (``case_touches``), for the kept to-do list.

The to-do list of every office keeps its judgements between reads
(complaints/usecases/todo_memo.py, followup_memo.py). A write, by this seat or another,
makes the next read judge again only the cases it touched: the triggers below write the id
of every case a write to ``cases`` or ``entries`` touches (before and after the write),
whoever writes, in the same transaction. Writers are serialised on SQLite, so the order of
``seq`` is the order of the commits: a reader that took the highest ``seq`` before reading
the cases finds every later write among the rows above it.

``case_touch_log`` (one row) says what the log can answer for. ``epoch`` changes where a
change is not said case by case (the office's policy, its calendar; a bulk load, a restore:
db/case_touches.py): a reader that saw another epoch judges every case afresh. ``floor``:
the rows up to it may be gone. The log keeps the last ``KEEP`` touches: every 1,000th touch
deletes those before them, so the table stays small; a reader older than that judges
every case afresh.

Derived data: emptying ``case_touches`` and changing ``epoch`` is always correct.
"""

from __future__ import annotations

KEEP = 50_000

_TOUCH = "INSERT INTO case_touches (case_id) VALUES ({case});"
_TOUCH_TWO = "INSERT INTO case_touches (case_id) SELECT {old} UNION SELECT {new};"
_EVERYTHING = "UPDATE case_touch_log SET epoch = abs(random());"

STATEMENTS = [
    """CREATE TABLE case_touches (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL
)""",
    """CREATE TABLE case_touch_log (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    epoch INTEGER NOT NULL,
    floor INTEGER NOT NULL
)""",
    "INSERT INTO case_touch_log (id, epoch, floor) VALUES (1, abs(random()), 0)",
    "CREATE TRIGGER case_touches_case_ai AFTER INSERT ON cases BEGIN "
    + _TOUCH.format(case="new.id")
    + " END",
    "CREATE TRIGGER case_touches_case_au AFTER UPDATE ON cases BEGIN "
    + _TOUCH_TWO.format(old="old.id", new="new.id")
    + " END",
    "CREATE TRIGGER case_touches_case_ad AFTER DELETE ON cases BEGIN "
    + _TOUCH.format(case="old.id")
    + " END",
    "CREATE TRIGGER case_touches_entry_ai AFTER INSERT ON entries BEGIN "
    + _TOUCH.format(case="new.case_id")
    + " END",
    "CREATE TRIGGER case_touches_entry_au AFTER UPDATE ON entries BEGIN "
    + _TOUCH_TWO.format(old="old.case_id", new="new.case_id")
    + " END",
    "CREATE TRIGGER case_touches_entry_ad AFTER DELETE ON entries BEGIN "
    + _TOUCH.format(case="old.case_id")
    + " END",
    # the policy (settings key "policy") and the office calendar: every case at once
    "CREATE TRIGGER case_touches_policy_ai AFTER INSERT ON settings "
    "WHEN new.key = 'policy' BEGIN " + _EVERYTHING + " END",
    "CREATE TRIGGER case_touches_policy_au AFTER UPDATE ON settings "
    "WHEN new.key = 'policy' OR old.key = 'policy' BEGIN " + _EVERYTHING + " END",
    "CREATE TRIGGER case_touches_policy_ad AFTER DELETE ON settings "
    "WHEN old.key = 'policy' BEGIN " + _EVERYTHING + " END",
    *(
        f"CREATE TRIGGER case_touches_{table}_a{e[0].lower()} AFTER {e} ON {table} "
        "BEGIN " + _EVERYTHING + " END"
        for table in ("calendar_years", "calendar_days")
        for e in ("INSERT", "UPDATE", "DELETE")
    ),
    f"CREATE TRIGGER case_touches_prune AFTER INSERT ON case_touches "
    f"WHEN new.seq % 1000 = 0 AND new.seq > {KEEP} BEGIN "
    f"DELETE FROM case_touches WHERE seq <= new.seq - {KEEP}; "
    f"UPDATE case_touch_log SET floor = new.seq - {KEEP} WHERE floor < new.seq - {KEEP}; END",
]


def up(execute) -> None:
    for sql in STATEMENTS:
        execute(sql)

"""A write transaction that the office server broke off to keep two seats apart is run
again, so no person ever reads "could not serialize access" or "deadlock detected".

PostgreSQL resolves two transactions that wait for each other (a deadlock, SQLSTATE 40P01)
or that cannot both be kept in a serializable order (40001) by undoing one of them whole;
the undone one is sound to run again from its start. ``retried`` does that for a function
whose writes are one transaction (it opens ``database.atomic()`` itself): a few attempts,
a short random pause between them so the two do not meet again, then the error as it was.
Inside an enclosing transaction it runs once: the outermost one is what is run again.

This PC's SQLite file takes the write lock at each transaction's start (db/engine.py), so
its writers wait in turn and never meet this error: there nothing is run twice.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from db.models import database

log = logging.getLogger(__name__)

RETRIED_STATES = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected
ATTEMPTS = 5
FIRST_PAUSE_S = 0.02  # doubled after each attempt, times a random factor in [0.5, 1.5)

P = ParamSpec("P")
T = TypeVar("T")


def is_conflict(exc: BaseException) -> bool:
    """Whether ``exc`` (or the driver's error it wraps) is the server undoing this
    transaction for another's sake: a serialization failure or a deadlock."""
    seen: set[int] = set()
    todo: list[object] = [exc]
    while todo:
        e = todo.pop()
        if not isinstance(e, BaseException) or id(e) in seen:
            continue
        seen.add(id(e))
        if getattr(e, "sqlstate", None) in RETRIED_STATES:
            return True
        todo.extend([e.__cause__, e.__context__, *e.args[:1]])  # peewee wraps in args[0]
    return False


def retried(fn: Callable[P, T]) -> Callable[P, T]:
    """``fn`` run again (up to ATTEMPTS times) when the server undid its transaction for
    another's sake; ``fn``'s writes must be one transaction of its own."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        if database.in_transaction():
            return fn(*args, **kwargs)
        pause = FIRST_PAUSE_S
        for attempt in range(1, ATTEMPTS):
            try:
                return fn(*args, **kwargs)
            except Exception as e:
                if not is_conflict(e):
                    raise
                log.info("%s: attempt %d undone by the server (%s); again", fn.__name__, attempt, e)
            time.sleep(pause * random.uniform(0.5, 1.5))
            pause *= 2
        return fn(*args, **kwargs)

    return run

"""What a piece of work changed, as the pages read it (the Anki habit: an operation returns
its ``OpChanges`` and one hook refreshes the pages that show them).

The database notes every write itself (db/changes.py); ``recording()`` runs work inside that
journal and names the topics it touched, so no caller has to say what it wrote.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from db import changes as journal


@dataclass(frozen=True)
class OpChanges:
    """The topics (db/changes.py TOPICS) whose pages show something that changed."""

    topics: frozenset[str] = frozenset()

    @classmethod
    def of(cls, *topics: str) -> OpChanges:
        unknown = set(topics).difference(journal.TOPICS)
        if unknown:
            raise ValueError(f"unknown topics: {sorted(unknown)}")
        return cls(frozenset(topics))

    @classmethod
    def everything(cls) -> OpChanges:
        return cls(frozenset(journal.TOPICS))

    def __contains__(self, topic: object) -> bool:
        return topic in self.topics

    def __bool__(self) -> bool:
        return bool(self.topics)

    def touches(self, topics: Iterable[str]) -> bool:
        """Whether any of ``topics`` changed (a page showing several asks once)."""
        return not self.topics.isdisjoint(topics)


class Recorded:
    """The changes noted so far inside ``recording()``."""

    def __init__(self, recorder: journal.Recorder):
        self._recorder = recorder

    def changes(self) -> OpChanges:
        return OpChanges(self._recorder.changed_topics())


@contextmanager
def recording() -> Iterator[Recorded]:
    """Note what the writes of this thread inside the block change."""
    with journal.recording() as recorder:
        yield Recorded(recorder)

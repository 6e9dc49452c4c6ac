"""One read in flight per page: a reload asked for while one runs is made once, when it ends.

A burst of changes (an import says "cases" and then the page's own filter changes) thus
costs one more read, not one per change, and the last read always sees the last change.
"""

from __future__ import annotations

from collections.abc import Callable


class ReloadGuard:
    """Starts ``start()`` (which queues the page's read) unless a read is running; then it
    remembers to read once more when the running one is done."""

    def __init__(self, start: Callable[[], None]):
        self._start = start
        self._loading = False
        self._again = False

    @property
    def loading(self) -> bool:
        return self._loading

    def request(self) -> None:
        """Read now, or once more after the read that is running."""
        if self._loading:
            self._again = True
            return
        self._loading = True
        self._start()

    def done(self) -> None:
        """The read came back: start the one asked for meanwhile (the page shows what came
        back either way; the next read follows)."""
        self._loading = False
        if self._again:
            self._again = False
            self.request()

    def failed(self) -> None:
        """The read failed: nothing runs now; a read asked for meanwhile waits for the
        next request."""
        self._loading = False

"""Python's cycle collector, run on the GUI thread only.

The interpreter collects cycles on whichever thread allocates when a generation's count
passes its threshold: the worker's (ui/taskman.py) and the maintenance thread's too. A cycle
that holds a Qt widget (a page's closure in the frames of an exception, a slot's lambda)
freed there destroys the widget off the GUI thread, and the program crashes (a segmentation
fault, whatever the person was typing lost). So the automatic collection stays off while
the window is up, and a timer on the GUI thread collects the generations whose counts have
passed their thresholds, as the interpreter would, only here.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

INTERVAL_MS = 250


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.check)

    def start(self) -> None:
        gc.disable()
        self._timer.start()

    def check(self) -> int:
        """Collect what the interpreter would collect now; the generation collected (-1:
        none was due)."""
        t0, t1, t2 = gc.get_threshold()
        c0, c1, c2 = gc.get_count()
        if c0 <= t0:
            return -1
        generation = 2 if c1 > t1 and c2 > t2 else 1 if c1 > t1 else 0
        gc.collect(generation)
        return generation


def running() -> GuiThreadCollector | None:
    """The program's collector, once started."""
    app = QCoreApplication.instance()
    return app.findChild(GuiThreadCollector) if app is not None else None


def collect_on_gui_thread() -> GuiThreadCollector | None:
    """From now on, cycles are collected on the GUI thread only (once per program; None
    without a Qt application)."""
    app = QCoreApplication.instance()
    if app is None:
        return None
    found = app.findChild(GuiThreadCollector)
    if found is None:
        found = GuiThreadCollector(app)
        found.start()
    return found

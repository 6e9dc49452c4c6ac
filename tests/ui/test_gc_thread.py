"""Cycles are collected on the GUI thread only (ui/gc_thread.py): a widget in a cycle is
never destroyed on the worker's thread."""

from __future__ import annotations

import gc

from ui.gc_thread import GuiThreadCollector


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_the_collector_collects_what_is_due_and_nothing_else(qapp):
    was = gc.isenabled()
    collector = GuiThreadCollector()
    try:
        collector.start()
        assert not gc.isenabled()  # never on another thread
        gc.collect()
        assert collector.check() == -1  # nothing due right after a collection
        t0 = gc.get_threshold()[0]
        kept = [_Cycle() for _ in range(t0 + 1)]
        del kept
        assert collector.check() >= 0  # the young generation was due: collected here
        assert gc.get_count()[0] <= t0
    finally:
        collector._timer.stop()
        if was:
            gc.enable()


def test_the_program_starts_one_collector(qapp):
    from ui import gc_thread

    was = gc.isenabled()
    try:
        first = gc_thread.collect_on_gui_thread()
        assert first is not None and gc_thread.running() is first
        assert gc_thread.collect_on_gui_thread() is first  # once per program
    finally:
        found = gc_thread.running()
        if found is not None:
            found._timer.stop()
            found.setParent(None)
            found.deleteLater()
        if was:
            gc.enable()

"""Helpers the GUI tests share."""

from __future__ import annotations


def idle(session) -> None:
    """Until the worker is done and every callback (and what they queued) ran."""
    for _ in range(5):
        assert session.taskman.wait_idle()

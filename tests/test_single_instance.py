"""One running instance per data folder: the lock, the wake-up line, a crash's leftovers."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from desktop.app import pin_singletons
from desktop.single_instance import LOCK_NAME, SingleInstance, server_name

pin_singletons()  # PySide6 6.12 on Python 3.11 (see there)


def test_second_instance_raises_the_first(qtbot, tmp_path):
    first = SingleInstance(tmp_path / "data")
    assert first.try_lock() and first.locked
    assert (tmp_path / "data" / LOCK_NAME).exists()

    second = SingleInstance(tmp_path / "data" / ".." / "data")  # same folder, other spelling
    assert second.name == first.name
    assert not second.try_lock()
    assert not second.locked
    with qtbot.waitSignal(first.raise_requested, timeout=5_000):
        assert second.notify_running()

    first.release()
    assert not (tmp_path / "data" / LOCK_NAME).exists()
    third = SingleInstance(tmp_path / "data")
    assert third.try_lock() and third.locked  # free again once the first has gone
    third.release()


def test_the_line_opens_after_the_lock(qtbot, tmp_path):
    """The start takes the lock before its window, opens the line after the first paint:
    a second start in between is told the program runs, and refused either way."""
    first = SingleInstance(tmp_path / "data")
    assert first.try_lock(listen=False) and first.locked
    second = SingleInstance(tmp_path / "data")
    assert not second.try_lock()
    assert second.notify_running(timeout_ms=300) is False  # nobody listens yet
    first.listen()
    first.listen()  # once
    with qtbot.waitSignal(first.raise_requested, timeout=5_000):
        assert second.notify_running()
    first.release()


def test_other_folders_do_not_interfere(qtbot, tmp_path):
    a, b = SingleInstance(tmp_path / "a"), SingleInstance(tmp_path / "b")
    assert server_name(tmp_path / "a") != server_name(tmp_path / "b")
    assert a.try_lock() and b.try_lock() and a.locked and b.locked
    a.release()
    b.release()


def test_nobody_answering_is_reported(qtbot, tmp_path):
    lonely = SingleInstance(tmp_path / "nobody")
    assert lonely.notify_running(timeout_ms=500) is False


def test_lock_left_by_a_crashed_process_does_not_block(qtbot, tmp_path):
    """A process that took the lock and died without unlocking (os._exit)."""
    data = tmp_path / "data"
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})
        from PySide6.QtCore import QCoreApplication
        app = QCoreApplication([])
        from desktop.single_instance import SingleInstance
        inst = SingleInstance({str(data)!r})
        ok = inst.try_lock() and inst.locked
        sys.stdout.write("locked" if ok else "failed")
        sys.stdout.flush()
        os._exit(0)
    """)
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin"},
        check=False,
    )
    assert out.stdout == "locked", out.stderr
    assert (data / LOCK_NAME).exists()  # left behind by the crash

    again = SingleInstance(data)
    assert again.try_lock() and again.locked
    again.release()


def test_a_second_program_raises_the_first_and_exits_0(qtbot, tmp_path):
    """The start-up path of a second program, in a real second process."""
    first = SingleInstance(tmp_path / "data")
    assert first.try_lock()
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})
        from PySide6.QtCore import QCoreApplication
        app = QCoreApplication([])
        from desktop.single_instance import SingleInstance
        inst = SingleInstance({str(tmp_path / "data")!r})
        if inst.try_lock():
            sys.exit(3)  # should have found the first one running
        sys.exit(0 if inst.notify_running() else 4)
    """)
    with qtbot.waitSignal(first.raise_requested, timeout=20_000):
        proc = subprocess.Popen(
            [sys.executable, "-c", script], env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin"}
        )
    assert proc.wait(timeout=60) == 0
    first.release()

"""The .part files a killed restore, migration, backup or export leaves behind are deleted at
the next start, and the log says so; a .part another running process is writing stays
(issue 15 §5). The writer here is a real process, killed with SIGKILL; the steps are
sequenced with files, never with sleeps."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from db.partfiles import Partial, registry_for, remove_leftovers
from desktop.cli import main

ROOT = Path(__file__).resolve().parents[2]

# Writes a .part under a Partial marker, says so, and waits (to be killed).
WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from db.partfiles import Partial
    part, registry, ready = map(Path, sys.argv[1:4])
    with Partial(part, registry):
        part.write_bytes(b"half a ledger")
        ready.touch()
        while True:
            time.sleep(1)
""")


def _start_writer(part: Path, registry: Path, ready: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(part), str(registry), str(ready)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    pause = threading.Event()
    while not ready.exists():
        if proc.poll() is not None:
            raise AssertionError("the writer ended early")
        pause.wait(0.02)
    return proc


def test_a_part_being_written_stays_and_a_killed_writers_part_goes(tmp_path, caplog):
    data = tmp_path / "data"
    data.mkdir()
    export = tmp_path / "U盘" / "SH01-台账.xlsx.part"  # an export goes where one chooses
    export.parent.mkdir()
    proc = _start_writer(export, registry_for(data / "complaintdesk.sqlite3"), tmp_path / "ready")
    try:
        assert remove_leftovers(data) == []  # still being written: left alone
        assert export.exists()
    finally:
        proc.kill()  # SIGKILL: no cleanup of any kind runs
        proc.wait()
    with caplog.at_level(logging.WARNING, logger="db.partfiles"):
        assert remove_leftovers(data) == [export]
    assert not export.exists()
    assert str(export) in caplog.text and "interrupted" in caplog.text
    assert not (data / "partial").exists()


def test_next_start_deletes_what_killed_restore_backup_and_export_left(tmp_path, caplog):
    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "demo", "--cases", "5"]) == 0
    backups = data / "backups"
    backups.mkdir(exist_ok=True)
    # as a kill leaves them: the restore's staging copy and its copy over the live file,
    # a migration's or a backup's copy, an export registered in a marker nobody holds
    left = [
        data / "restore-0123456789ab.part",
        data / "complaintdesk.sqlite3.restore.part",
        backups / "complaintdesk-20261120T013000Z-before-migration-v6.sqlite3.part",
    ]
    export = tmp_path / "out" / "台账.xlsx.part"
    export.parent.mkdir()
    for p in [*left, export]:
        p.write_bytes(b"\0" * 100)
    registry = registry_for(data / "complaintdesk.sqlite3")
    registry.mkdir()
    (registry / "dead.json").write_text(json.dumps({"part": str(export), "pid": 1}))
    keep = [
        data / "notes.txt",
        backups / "complaintdesk-20261120T013000Z-manual.sqlite3",
        tmp_path / "out" / "台账.xlsx",
    ]
    for p in keep:
        p.write_bytes(b"x")
    with caplog.at_level(logging.WARNING, logger="db.partfiles"):
        assert main(["--data-dir", str(data), "check"]) == 0
    assert not any(p.exists() for p in [*left, export])
    assert all(p.exists() for p in keep)
    for p in [*left, export]:
        assert str(p) in caplog.text


def test_partial_without_a_data_folder_does_nothing(tmp_path):
    part = tmp_path / "x.part"
    with Partial(part, None) as p:
        assert p == part
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("what", ["backup", "restore"])
def test_backup_and_restore_leave_no_marker_behind(ctx, tmp_path, what):
    from complaints.usecases import storage
    from desktop.paths import data_paths

    paths = data_paths(ctx_db := tmp_path / "data")
    assert ctx_db.exists()
    saved = storage.backup_now(tmp_path / "saved.sqlite3")
    if what == "restore":
        storage.restore(saved, paths)
    assert not (paths.root / "partial").exists()
    assert not list(paths.root.rglob("*.part"))

"""The server's backup before an import, once written, is said as written even when the
rotation after it fails: the rotation runs again after the next backup."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

from complaints.usecases import import_backup, storage

if TYPE_CHECKING:
    from db.server_snapshot import ServerSnapshot


class _Snapshot:
    closed = False

    def close(self) -> None:
        self.closed = True


def test_a_rotation_that_fails_after_the_backup_does_not_lose_it(tmp_path, monkeypatch):
    target = tmp_path / "backups" / "complaintdesk-20261207T010000Z-before-import.sqlite3"
    target.parent.mkdir()

    def written(path: Path, **_kw) -> Path:
        path.write_bytes(b"whole")
        return path

    def rotation_fails(_folder: Path) -> list[Path]:
        raise PermissionError("the oldest backup is open in another program")

    monkeypatch.setattr(import_backup, "backup_to", written)
    monkeypatch.setattr(storage, "prune_to_size", rotation_fails)
    snapshot = _Snapshot()  # all write() asks of the office's snapshot: its end
    pending = import_backup.PendingBackup(target, cast("ServerSnapshot", snapshot))

    assert pending.write() == target
    assert target.read_bytes() == b"whole"
    assert snapshot.closed  # the snapshot ends either way
    assert not (target.parent / import_backup.ABANDONED_NOTE).exists()

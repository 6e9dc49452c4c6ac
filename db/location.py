"""Is the data folder on a network drive? SQLite's locking is not safe over network
file systems (SMB, NFS…): two offices writing through a share can corrupt the file.
We warn, we do not refuse: the clerk may know better (e.g. a single user on a NAS)."""

from __future__ import annotations

import ntpath
import os
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

# File-system types (as in /proc/mounts or `mount` on macOS) that live across a network.
NETWORK_FS = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb",
        "smb2",
        "smb3",
        "smbfs",
        "sshfs",
        "fuse.sshfs",
        "afp",
        "afpfs",
        "9p",
        "v9fs",
        "davfs",
        "fuse.davfs2",
        "webdav",
        "ncpfs",
        "coda",
        "afs",
        "ceph",
        "fuse.ceph",
        "glusterfs",
        "fuse.glusterfs",
        "lustre",
        "gpfs",
        "fuse.rclone",
        "fuse.s3fs",
        "fuse.gvfsd-fuse",
    }
)

DRIVE_REMOTE = 4  # GetDriveTypeW


def _message(path: str, what: str) -> str:
    return (
        f"数据文件夹 {path} 位于{what}上。SQLite 数据库放在网络共享上并不安全,"
        "多台电脑同时读写可能损坏数据:请改用本机硬盘上的文件夹(例如默认的用户数据目录),"
        "各门店之间请用“数据交换”导出、导入台账。"
    )


def _unescape(field: str) -> str:
    """/proc/mounts writes a space as \\040, a tab as \\011 …"""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def read_mounts() -> list[tuple[str, str]]:
    """(mount point, file-system type) of this machine; empty when unknown."""
    try:
        with open("/proc/mounts", encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
        out = []
        for line in lines:
            parts = line.split()
            if len(parts) >= 3:
                out.append((_unescape(parts[1]), parts[2]))
        return out
    except OSError:
        pass
    if sys.platform == "darwin":  # "//u@srv/share on /Volumes/share (smbfs, nodev, …)"
        try:
            text = subprocess.run(
                ["/sbin/mount"], capture_output=True, text=True, timeout=5, check=False
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return []
        found = re.findall(r" on (.+?) \(([^,)]+)", text)
        return [(mp, fs.strip()) for mp, fs in found]
    return []


def filesystem_type(path: Path, mounts: Iterable[tuple[str, str]]) -> str | None:
    """The type of the mount holding ``path``: the longest mount-point prefix."""
    best, best_len = None, -1
    p = str(path)
    for mount_point, fstype in mounts:
        mp = mount_point.rstrip("/") or "/"
        inside = mp in (p, "/") or p.startswith(mp + "/")
        if inside and len(mp) > best_len:
            best, best_len = fstype, len(mp)
    return best


def _existing(path: Path) -> Path:
    """The path itself or its nearest existing ancestor, symlinks resolved (the data
    folder may not exist yet when we are asked)."""
    p = Path(os.path.abspath(path))
    while not p.exists() and p.parent != p:
        p = p.parent
    return p.resolve()


def _windows_warning(text: str, drive_type=None) -> str | None:
    t = text.replace("/", "\\")
    if t.upper().startswith("\\\\?\\UNC\\"):
        return _message(text, "网络共享(UNC 路径)")
    if t.startswith("\\\\?\\") or t.startswith("\\\\.\\"):
        t = t[4:]
    elif t.startswith("\\\\"):
        return _message(text, "网络共享(UNC 路径)")
    drive = ntpath.splitdrive(t)[0]
    if len(drive) == 2 and drive[1] == ":":
        if drive_type is None:
            drive_type = _get_drive_type
        if drive_type(drive + "\\") == DRIVE_REMOTE:
            return _message(text, f"映射的网络驱动器 {drive.upper()}")
    return None


def _get_drive_type(root: str) -> int:
    import ctypes

    return int(ctypes.windll.kernel32.GetDriveTypeW(root))  # type: ignore[attr-defined]


def network_drive_warning(
    path: Path | str,
    *,
    platform: str | None = None,
    mounts: Iterable[tuple[str, str]] | None = None,
    drive_type=None,
) -> str | None:
    """A Chinese warning when ``path`` is on a network drive, else None.

    ``platform``, ``mounts`` and ``drive_type`` (root → GetDriveTypeW value) are for tests.
    """
    platform = platform or sys.platform
    if platform == "win32":
        return _windows_warning(str(path), drive_type)
    where = _existing(Path(path)) if mounts is None else Path(os.path.abspath(path))
    fstype = filesystem_type(where, read_mounts() if mounts is None else mounts)
    if fstype and (fstype.lower() in NETWORK_FS or fstype.lower().startswith("nfs")):
        return _message(str(path), f"网络文件系统({fstype})")
    return None

"""Network-drive warnings from a fake mounts table and fake Windows drive types."""

import pytest

from db.location import DRIVE_REMOTE, filesystem_type, network_drive_warning

MOUNTS = [
    ("/", "ext4"),
    ("/home", "ext4"),
    ("/mnt/share", "cifs"),
    ("/mnt/share/local", "ext4"),
    ("/mnt/nas", "nfs4"),
    ("/mnt/with space", "fuse.sshfs"),
    ("/mnt/wsl", "9p"),
]


@pytest.mark.parametrize(
    "path,fs",
    [
        ("/home/clerk/data", None),
        ("/mnt/share/data", "cifs"),
        ("/mnt/share/local/x", None),
        ("/mnt/nas", "nfs4"),
        ("/mnt/with space/d", "fuse.sshfs"),
        ("/mnt/wsl/c", "9p"),
        ("/mnt/shared", None),  # a sibling whose name starts like a mount point
    ],
)
def test_longest_mount_prefix_decides(path, fs):
    w = network_drive_warning(path, platform="linux", mounts=MOUNTS)
    if fs is None:
        assert w is None
    else:
        assert w and fs in w and path in w and "SQLite" in w and "本机硬盘" in w


def test_filesystem_type_root_fallback():
    assert filesystem_type("/var/lib", MOUNTS) == "ext4"


@pytest.mark.parametrize(
    "path", [r"\\server\share\客诉", "//server/share/data", r"\\?\UNC\server\share\data"]
)
def test_unc_paths_warn(path):
    w = network_drive_warning(path, platform="win32", drive_type=lambda root: 3)
    assert w and "UNC" in w


def test_mapped_network_drive_warns_and_local_drive_does_not():
    types = {"Z:\\": DRIVE_REMOTE, "C:\\": 3}
    w = network_drive_warning(r"Z:\客诉数据", platform="win32", drive_type=types.__getitem__)
    assert w and "Z:" in w
    assert (
        network_drive_warning(
            r"C:\Users\clerk\AppData", platform="win32", drive_type=types.__getitem__
        )
        is None
    )
    assert (
        network_drive_warning(r"\\?\C:\data", platform="win32", drive_type=types.__getitem__)
        is None
    )


def test_real_mounts_of_this_machine_do_not_crash(tmp_path):
    w = network_drive_warning(tmp_path / "not" / "yet")  # reads /proc/mounts
    assert w is None or "SQLite" in w

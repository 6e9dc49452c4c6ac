"""Errors of the storage layer, each with a message a person can act on."""

import errno


class StorageError(Exception):
    """Base of storage errors; str(e) is a complete Chinese message."""

    detail: str = ""  # the engine's own words, for the log and the dialog's 详细信息


class DatabaseTooNew(StorageError):
    def __init__(self, found: int, supported: int):
        self.found, self.supported = found, supported
        super().__init__(
            f"数据库版本为 {found},本程序只支持到 {supported}:请安装新版客诉管理台后再打开。"
            "(数据未作任何改动)"
        )


class NotADatabase(StorageError):
    def __init__(self, path, reason: str):
        self.path = path
        super().__init__(f"{path} 不是客诉管理台的数据库:{reason}")


class BackupError(StorageError):
    pass


def os_trouble(e: BaseException) -> str | None:
    """A full disk or a file the system will not let this program read or write, as a
    person reads it (None: the failure is something else)."""
    code = getattr(e, "errno", None)
    if code == errno.ENOSPC:
        return "磁盘空间已满,请清理磁盘空间后重试"
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "没有读写权限(或磁盘只读),请检查该文件夹的权限"
    return None

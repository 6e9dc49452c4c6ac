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


# What the system's refusals and failures mean to a person, by errno: one table for the
# whole program (the start, the command line, backups). A failure not in it is said with
# OTHER_OS_TROUBLE, the system's own words kept behind 详细信息.
_FULL = "磁盘空间已满,请清理磁盘空间后重试"
_NO_RIGHTS = "没有读写权限(或磁盘只读),请检查该文件夹的权限"
_GONE = "磁盘或设备不可用(可能已拔出或断开),请检查后重试"
_BUSY = "文件正被其他程序占用,请关闭占用它的程序后重试"
_TOO_MANY = "同时打开的文件太多,请关闭一些程序后重试"
OS_WORDS: dict[int, str] = {
    errno.ENOSPC: _FULL,
    errno.EDQUOT: "磁盘配额已用完,请清理空间或联系管理员",
    errno.EACCES: _NO_RIGHTS,
    errno.EPERM: _NO_RIGHTS,
    errno.EROFS: _NO_RIGHTS,
    errno.EIO: "磁盘读写出错(磁盘可能有坏道,或移动硬盘、U 盘、网络盘已断开),请检查磁盘后重试",
    errno.ENAMETOOLONG: "文件名或路径太长,请换一个路径较短的文件夹或较短的文件名",
    errno.EINVAL: "文件名或路径无效(可能含有系统不允许的字符),请换一个名字或文件夹",
    errno.ENOENT: "找不到该文件或文件夹(可能已被移动、删除,或所在的磁盘已断开)",
    errno.ENOTDIR: "路径中有一部分不是文件夹,请检查路径",
    errno.EISDIR: "该路径是一个文件夹,不是文件",
    errno.EEXIST: "同名的文件已存在,请换一个名字",
    errno.EFBIG: "文件超过了该磁盘允许的大小(例如 FAT32 格式的 U 盘单个文件不能超过 4 GB)",
    errno.EBUSY: _BUSY,
    errno.ETXTBSY: _BUSY,
    errno.EMFILE: _TOO_MANY,
    errno.ENFILE: _TOO_MANY,
    errno.ENXIO: _GONE,
    errno.ENODEV: _GONE,
    errno.ESTALE: "网络文件夹的连接已失效,请重新连接网络盘后重试",
    errno.ETIMEDOUT: "访问磁盘或网络文件夹超时,请检查网络后重试",
}
OTHER_OS_TROUBLE = "系统未能完成这次读写(原因见“详细信息”),请检查磁盘与该文件夹后重试"


def os_words(code: int | None) -> str | None:
    """The sentence of OS_WORDS for the errno ``code`` (None: not one of them)."""
    return OS_WORDS.get(code) if code is not None else None


def os_trouble(e: BaseException) -> str | None:
    """A full disk, a file the system will not let this program read or write, or another
    common failure of the system's (OS_WORDS), as a person reads it (None: the failure is
    something else)."""
    return os_words(getattr(e, "errno", None))

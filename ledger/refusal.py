"""A ledger file refused as a whole, and the words for a part that could not be read."""

from __future__ import annotations

from pathlib import Path


class LedgerRefused(Exception):
    """The whole file is refused; str(e) says why, in words for the user."""


class ReadAgain(LedgerRefused):
    """Not a refusal: the check running beside the reading (ledger.check_ahead) found the
    file needs another reader (a formula, rows that cannot be cut apart). Whoever read
    from it forgets what it read and opens it again the careful way. A LedgerRefused, so
    that every reader lets it through as it lets a refusal through."""

    def __init__(self) -> None:
        super().__init__("文件需要换一种方式重新读取")


def is_read_error(e: BaseException) -> bool:
    """An error met reading a file: any Exception, and a panic inside python-calamine
    (pyo3's PanicException derives from BaseException), which refuses the file like any
    other broken part; KeyboardInterrupt, SystemExit and GeneratorExit go on."""
    return isinstance(e, Exception) or type(e).__name__ == "PanicException"


def refusal(path: Path, e: BaseException) -> LedgerRefused:
    """The refusal of the file at ``path`` whose part could not be read (``e``)."""
    name = Path(path).name
    kind = type(e).__name__
    if "defused" in type(e).__module__ or kind in (
        "EntitiesForbidden",
        "DTDForbidden",
        "ExternalReferenceForbidden",
    ):
        return LedgerRefused(f"{name}:文件含有不安全的 XML 内容(DTD/实体定义,疑似 XML 炸弹),已拒绝")
    return LedgerRefused(f"{name}:文件已损坏,无法读取({kind}: {e})")

"""Entry point of the bundled program (PyInstaller's script): the same front door as
``python -m desktop``."""

import multiprocessing
import sys

from desktop.cli import main


def _chinese_safe_streams() -> None:
    """The CLI prints Chinese. A console or file whose code page cannot hold it (an English
    Windows' cp1252 when the IT person redirects ``check > log.txt``) gets UTF-8 instead of
    a UnicodeEncodeError; a Chinese Windows keeps its code page (GBK). The GUI program has
    no console: its streams are None."""
    for stream in (sys.stdout, sys.stderr):
        if stream is None or not hasattr(stream, "reconfigure"):
            continue
        try:
            "客诉".encode(stream.encoding or "ascii")
        except (LookupError, UnicodeEncodeError):
            stream.reconfigure(encoding="utf-8")


if __name__ == "__main__":
    # a big ledger's zip check runs in a child process (ledger.check_ahead), which the
    # bundle starts as itself: this lets that child run the check instead of the program
    multiprocessing.freeze_support()
    _chinese_safe_streams()
    sys.exit(main())

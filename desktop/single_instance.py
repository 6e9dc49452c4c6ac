"""One running ComplaintDesk per data folder.

Two programs writing the same SQLite file through two sets of windows would only confuse the
clerk (and each would run its own start-up backup). The first start takes a QLockFile in the
data folder and listens on a QLocalServer whose name is derived from the folder's path; a
second start finds the lock taken, connects to that server, says "raise" and exits, and the
first instance brings its window forward (``raise_requested``).

A lock file left behind by a crash does not block: the lock is never stale by age (a running
program may hold it for days), but QLockFile recognises a lock whose process is gone and
takes it over.

Wiring (desktop/app.py)::

    instance = SingleInstance(paths.root)
    if not instance.try_lock(listen=False):
        instance.notify_running()
        return 0
    ...  # the main window paints
    instance.listen()
    instance.raise_requested.connect(lambda: bring_forward(window))

The lock is taken before the main window is built, the wake-up line opened once it has
painted (a raise request before there is a window to raise would be lost). A second start in
that moment finds the lock but nobody answering: it says the program is already running and
exits.
"""

from __future__ import annotations

import hashlib
import logging
import ntpath
import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QLockFile, QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from ui.error_detail import said

log = logging.getLogger(__name__)

LOCK_NAME = "complaintdesk.lock"
RAISE = b"raise"
CONNECT_TIMEOUT_MS = 2_000


def server_name(data_dir: Path | str, *, platform: str | None = None) -> str:
    """The local server's name for ``data_dir``: the same folder, however it is spelled
    (relative, through a symlink, in another letter case or with / on Windows, a UNC path
    ``\\\\server\\share`` in any case), gives the same name: ASCII, whatever the folder's
    characters. ``platform="win32"`` is for tests: the path spelled the Windows way without
    touching the disk or the network (a UNC server that does not exist)."""
    if platform == "win32":
        resolved = ntpath.normcase(ntpath.normpath(str(data_dir)))
    else:
        resolved = os.path.normcase(str(Path(data_dir).expanduser().resolve()))
    digest = hashlib.sha256(resolved.encode("utf-8")).hexdigest()[:24]
    return f"complaintdesk-{digest}"


class SingleInstance(QObject):
    """The lock and the wake-up line of one data folder. Keep the object alive as long as
    the program runs: the lock is released when it is deleted (or by ``release``)."""

    raise_requested = Signal()  # a second start asked this instance to show its window

    def __init__(self, data_dir: Path | str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir).expanduser()
        self.lock_path = self.data_dir / LOCK_NAME
        self._lock: QLockFile | None = None
        self._server: QLocalServer | None = None
        self._clients: dict[QLocalSocket, bytearray] = {}
        self.locked = False  # True once this instance holds the lock
        self.error = ""  # why the lock could not be taken, other than another instance
        self.error_detail = ""  # the system's own words for it (详细信息)

    @property
    def name(self) -> str:
        """The wake-up line's name (see ``server_name``)."""
        return server_name(self.data_dir)

    def try_lock(self, *, listen: bool = True) -> bool:
        """True when this process may run: it holds the lock now (and, with ``listen``,
        listens for later starts: else call ``listen`` later). False when another running
        program holds it (call ``notify_running``).

        If the lock cannot be taken for another reason (a read-only folder…), the start
        is not blocked: True, with ``locked`` False and the reason in ``error``.
        """
        if self.locked:
            return True
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            told = said(e, expected=f"无法创建数据文件夹 {self.data_dir}")
            self.error, self.error_detail = told.message, told.detail
            log.warning("%s: %s", self.error, self.error_detail)
            return True
        lock = QLockFile(str(self.lock_path))
        lock.setStaleLockTime(0)  # never stale by age; a dead owner is still detected
        if not lock.tryLock(0):
            if lock.error() == QLockFile.LockError.LockFailedError:
                # Held by a live process; a lock whose owner died has been taken over by
                # tryLock already, but make sure of it once.
                if lock.removeStaleLockFile() and lock.tryLock(0):
                    pass
                else:
                    return False
            else:
                self.error = f"无法创建锁文件 {self.lock_path}(错误 {lock.error().name})"
                log.warning(self.error)
                return True
        self._lock = lock
        self.locked = True
        if listen:
            self.listen()
        return True

    def listen(self) -> None:
        """Open the wake-up line a later start says "raise" on (once, and only while this
        instance holds the lock)."""
        if not self.locked or self._server is not None:
            return
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            # A socket file left by a crashed instance: we hold the lock, so it is stale.
            QLocalServer.removeServer(self.name)
            if not server.listen(self.name):
                log.warning(
                    "single instance: cannot listen on %s: %s", self.name, server.errorString()
                )
                return
        server.newConnection.connect(self._on_connection)
        self._server = server

    def _on_connection(self) -> None:
        assert self._server is not None
        while self._server.hasPendingConnections():
            sock = self._server.nextPendingConnection()
            self._clients[sock] = bytearray()
            sock.readyRead.connect(self._on_ready_read)
            sock.disconnected.connect(self._on_disconnected)
            if sock.bytesAvailable():
                self._read(sock)

    def _on_ready_read(self) -> None:
        sock = self.sender()
        if isinstance(sock, QLocalSocket):
            self._read(sock)

    def _read(self, sock: QLocalSocket) -> None:
        buffer = self._clients.get(sock)
        if buffer is None:
            return
        buffer.extend(bytes(sock.readAll().data()))
        if RAISE in buffer:
            buffer.clear()
            self.raise_requested.emit()

    def _on_disconnected(self) -> None:
        sock = self.sender()
        if isinstance(sock, QLocalSocket) and sock in self._clients:
            self._read(sock)
            del self._clients[sock]
            sock.deleteLater()

    def notify_running(self, timeout_ms: int = CONNECT_TIMEOUT_MS) -> bool:
        """Ask the running instance to bring its window forward; False if it did not
        answer (it may be starting up or hung)."""
        sock = QLocalSocket()
        sock.connectToServer(self.name)
        if not sock.waitForConnected(timeout_ms):
            log.warning("single instance: no answer from %s: %s", self.name, sock.errorString())
            return False
        sock.write(QByteArray(RAISE + b"\n"))
        ok = sock.waitForBytesWritten(timeout_ms)
        sock.disconnectFromServer()
        if sock.state() != QLocalSocket.LocalSocketState.UnconnectedState:
            sock.waitForDisconnected(timeout_ms)
        return ok

    def release(self) -> None:
        """Stop listening and give the lock back (also done when the object is deleted)."""
        if self._server is not None:
            self._server.close()
            self._clients.clear()
            self._server.deleteLater()
            self._server = None
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None
        self.locked = False

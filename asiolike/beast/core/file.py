"""Beast's ``file`` and ``file_mode``: a plain file for ``http.file_body``.

Beast's ``beast::file`` (``file_posix``) is a thin owner of a file descriptor with
``open``/``close``/``size``/``pos``/``seek``/``read``/``write``. This is the same over
:func:`os.open`, and every failure raises :class:`~asiolike.error.system_error` carrying
the system's code (``no_such_file_or_directory``, ``permission_denied``...), as the
overloads of Beast taking an ``error_code&`` report it.

The descriptor is opened with ``O_CLOEXEC`` and closed by :meth:`file.close`, by
garbage collection, or by a ``with`` block.
"""

from __future__ import annotations

import enum
import errno
import os
import stat
from typing import Final, Self

from asiolike.error import bad_descriptor, make_error_code, system_error

__all__ = ["file_mode", "file"]


class file_mode(enum.Enum):
    """How :meth:`file.open` opens a file (Beast's ``file_mode``).

    ``read``: read only, random access. ``scan``: read only, read from start to end
    (the kernel is told so). ``write``: read and write, created if missing, truncated.
    ``write_new``: read and write, must not exist. ``write_existing``: read and write,
    must exist, truncated. ``append``: write only, created if missing, writes go to the
    end. ``append_existing``: write only, must exist, writes go to the end.
    """

    read = 1
    scan = 2
    write = 3
    write_new = 4
    write_existing = 5
    append = 6
    append_existing = 7


_FLAGS: Final = {
    file_mode.read: os.O_RDONLY,
    file_mode.scan: os.O_RDONLY,
    file_mode.write: os.O_RDWR | os.O_CREAT | os.O_TRUNC,
    file_mode.write_new: os.O_RDWR | os.O_CREAT | os.O_EXCL,
    file_mode.write_existing: os.O_RDWR | os.O_TRUNC,
    file_mode.append: os.O_WRONLY | os.O_CREAT | os.O_APPEND,
    file_mode.append_existing: os.O_WRONLY | os.O_APPEND,
}
_CLOEXEC: Final = getattr(os, "O_CLOEXEC", 0)


def _fail(exc: OSError, what: str) -> system_error:
    return system_error(make_error_code(exc), what)


class file:
    """An open file, or none (Beast's ``beast::file``).

    Example:
        >>> f = file()
        >>> f.is_open()
        False
    """

    __slots__ = ("_fd",)

    def __init__(self) -> None:
        self._fd = -1

    def __del__(self) -> None:
        if self._fd >= 0:
            try:
                os.close(self._fd)
            except OSError:
                pass
            self._fd = -1

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def native_handle(self) -> int:
        """The file descriptor, or -1 when no file is open."""
        return self._fd

    def is_open(self) -> bool:
        """Whether a file is open."""
        return self._fd >= 0

    def open(self, path: str | os.PathLike[str], mode: file_mode) -> None:
        """Open ``path`` (closing the file open before, if any).

        Raises:
            system_error: The system refused (``no_such_file_or_directory``,
                ``file_exists`` for ``write_new``, ``permission_denied``...).
            TypeError: ``mode`` is not a :class:`file_mode`.
        """
        if not isinstance(mode, file_mode):
            raise TypeError(f"mode must be a beast.file_mode, not {mode!r}")
        self.close()
        try:
            fd = os.open(path, _FLAGS[mode] | _CLOEXEC, 0o644)
        except OSError as exc:
            raise _fail(exc, "file.open") from None
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            # A directory opens read-only on POSIX, but reading it fails: say so now.
            os.close(fd)
            raise _fail(IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR)), "file.open")
        self._fd = fd
        if mode is file_mode.scan and hasattr(os, "posix_fadvise"):
            try:
                os.posix_fadvise(self._fd, 0, 0, os.POSIX_FADV_SEQUENTIAL)
            except OSError:
                pass  # advice only

    def close(self) -> None:
        """Close the file (nothing happens if none is open).

        Raises:
            system_error: The system reported an error while closing.
        """
        fd = self._fd
        if fd < 0:
            return
        self._fd = -1
        try:
            os.close(fd)
        except OSError as exc:
            raise _fail(exc, "file.close") from None

    def _require(self, what: str) -> int:
        if self._fd < 0:
            raise system_error(bad_descriptor, f"{what}: no file is open")
        return self._fd

    def size(self) -> int:
        """The file's size in bytes.

        Raises:
            system_error: ``bad_descriptor`` when no file is open.
        """
        try:
            return os.fstat(self._require("file.size")).st_size
        except system_error:
            raise
        except OSError as exc:
            raise _fail(exc, "file.size") from None

    def pos(self) -> int:
        """The current position."""
        try:
            return os.lseek(self._require("file.pos"), 0, os.SEEK_CUR)
        except system_error:
            raise
        except OSError as exc:
            raise _fail(exc, "file.pos") from None

    def seek(self, offset: int) -> None:
        """Move the position to ``offset`` bytes from the start."""
        try:
            os.lseek(self._require("file.seek"), offset, os.SEEK_SET)
        except system_error:
            raise
        except OSError as exc:
            raise _fail(exc, "file.seek") from None

    def read(self, n: int) -> bytes:
        """Read up to ``n`` bytes at the position (fewer at the end of the file)."""
        try:
            return os.read(self._require("file.read"), n)
        except system_error:
            raise
        except OSError as exc:
            raise _fail(exc, "file.read") from None

    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Write all of ``data`` at the position; returns its size."""
        fd = self._require("file.write")
        view = memoryview(data).cast("B")
        total = view.nbytes
        try:
            while view.nbytes:
                view = view[os.write(fd, view) :]
        except OSError as exc:
            raise _fail(exc, "file.write") from None
        return total

    def __repr__(self) -> str:
        return f"<beast.file fd={self._fd}>" if self._fd >= 0 else "<beast.file closed>"

"""Checking rule R10 (Asio's lifetimes): freed by reference counting, descriptor closed.

* :func:`gc_disabled`: run a block with the cyclic garbage collector off, so that only
  reference counting can free what the block drops;
* :class:`descriptor`: remembers a socket's descriptor (and the file it names) and tells
  whether it was closed since, even if the number was reused for another file.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_disabled", "descriptor", "descriptor_count"]


@contextmanager
def gc_disabled() -> Iterator[None]:
    """Collect what is pending, then keep the cyclic collector off inside the block."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def descriptor_count() -> int:
    """How many descriptors the process has open."""
    return len(os.listdir("/proc/self/fd"))


class descriptor:
    """A descriptor number and the file it named when this was made."""

    __slots__ = ("fd", "inode")

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.inode = os.fstat(fd).st_ino

    def closed(self) -> bool:
        """Whether it was closed (or its number now names another file)."""
        try:
            return os.fstat(self.fd).st_ino != self.inode
        except OSError:
            return True

"""``asiolike.posix``: POSIX descriptors as I/O objects (Asio's ``asio::posix``).

``posix.stream_descriptor(ioc, fd)`` reads and writes pipes, terminals and standard
input/output asynchronously, and works with ``async_read``, ``async_write`` and
``async_read_until``; ``posix.descriptor_base.wait_read`` (and ``wait_write``,
``wait_error``) are what ``async_wait`` waits for.
"""

from asiolike.posix.basic_descriptor import basic_descriptor
from asiolike.posix.descriptor_base import (
    descriptor_base,
    wait_error,
    wait_read,
    wait_type,
    wait_write,
)
from asiolike.posix.stream_descriptor import basic_stream_descriptor, stream_descriptor

__all__ = [
    "basic_descriptor",
    "basic_stream_descriptor",
    "descriptor_base",
    "stream_descriptor",
    "wait_error",
    "wait_read",
    "wait_type",
    "wait_write",
]

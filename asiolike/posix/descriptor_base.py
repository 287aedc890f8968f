"""``descriptor_base``: the names every POSIX descriptor shares (Asio's ``posix::descriptor_base``).

``posix.descriptor_base.wait_read`` (also ``posix.stream_descriptor.wait_read``) and its
siblings are the values of ``wait_type``, the same ones sockets use.
"""

from __future__ import annotations

from asiolike import socket_base

__all__ = ["descriptor_base", "wait_type", "wait_read", "wait_write", "wait_error"]

wait_type = socket_base.wait_type
wait_read = socket_base.wait_read
wait_write = socket_base.wait_write
wait_error = socket_base.wait_error


class descriptor_base:
    """What ``async_wait``/``wait`` wait for, reachable from every descriptor class."""

    __slots__ = ()

    wait_type = socket_base.wait_type
    wait_read = socket_base.wait_read
    """The descriptor has data to read (or is at end of file)."""
    wait_write = socket_base.wait_write
    """The descriptor can take data to write."""
    wait_error = socket_base.wait_error
    """The descriptor has an error condition (or a hang-up) pending."""

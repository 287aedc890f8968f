"""Test support for code built on asiolike (Beast's ``test`` namespace).

* :class:`stream`: an in-memory two-way stream with read/write caps and failure injection,
  usable wherever a socket is (``async_read``, HTTP and WebSocket streams...);
* :class:`fail_count` and :func:`fail_loop`: fail the ``n``-th operation, and run a test body
  once per failure point;
* :mod:`~asiolike.testing.error`: ``error.test_failure``, the error injected by default.

Example::

    import asiolike as net
    from asiolike import testing

    def body(fc):
        ioc = net.io_context()
        ts = testing.stream(ioc, b"hello", fc=fc)
        buf = bytearray(5)
        result = []
        net.async_read(ts, buf, lambda ec, n: result.append(ec))
        ioc.run_for(5)
        return result[0]

    testing.fail_loop(body)
"""

from asiolike.testing import error
from asiolike.testing.fail_count import fail_count, fail_loop
from asiolike.testing.stream import connect, stream

__all__ = ["connect", "error", "fail_count", "fail_loop", "stream"]

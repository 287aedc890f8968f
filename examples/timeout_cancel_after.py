"""Example: an echo server whose connections time out when idle, with ``cancel_after``.

The twin of Asio's ``cpp20/coroutines/timeout.cpp``, written the way Asio 1.31 allows:
where the C++ runs an ``echo`` coroutine ``&&`` a ``watchdog`` coroutine that throws
``timed_out`` once a deadline passes, each read here carries its own deadline with the
``cancel_after`` token adapter::

    n = await sock.async_read_some(buf, net.cancel_after(timeout, net.use_awaitable))

When no data arrives within ``timeout`` seconds, the read is cancelled (``terminal``), the
coroutine gets ``operation_aborted`` and the connection is closed. Run it with::

    python examples/timeout_cancel_after.py                 # port 54321, 10 s, as the C++
    python examples/timeout_cancel_after.py 0 --timeout 0.5

Once listening it prints ``listening on <address>:<port>``; each connection that ends prints
``closed: <reason>``. ``--connections N`` stops accepting after N connections.

Note: ``cancel_after`` cancels only operations that honour per-operation cancellation. In
this release that is ``steady_timer.async_wait`` and coroutines; socket operations honour
it once the socket rework lands (see the cancellation reference page). Until then an idle
connection is not timed out by this example (data is still echoed).
"""

from __future__ import annotations

import argparse
import sys

import asiolike as net
from asiolike.ip import make_address, tcp


async def echo(sock: tcp.socket, timeout: float) -> None:
    """Echo ``sock`` until the peer closes it or stays silent for ``timeout`` seconds."""
    data = bytearray(4196)
    try:
        while True:
            n = await sock.async_read_some(
                net.buffer(data), net.cancel_after(timeout, net.use_awaitable)
            )
            await net.async_write(sock, net.buffer(data, n), net.use_awaitable)
    except net.system_error as e:
        reason = "timed out" if e.code == net.error.operation_aborted else e.code.message()
        print(f"closed: {reason}", flush=True)
    finally:
        sock.close()


async def listen(acceptor: tcp.acceptor, timeout: float, connections: int | None) -> None:
    """Spawn an :func:`echo` coroutine for each connection."""
    while connections is None or connections > 0:
        sock = await acceptor.async_accept(net.use_awaitable)
        net.co_spawn(acceptor.get_executor(), echo(sock, timeout), net.detached)
        if connections is not None:
            connections -= 1
    acceptor.close()


def main(argv: list[str] | None = None) -> int:
    """Run the server; ``argv`` is the command line without the program name."""
    parser = argparse.ArgumentParser(
        prog="timeout_cancel_after.py", description="An echo server with idle timeouts."
    )
    parser.add_argument("port", type=int, nargs="?", default=54321, help="0: any free port")
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--timeout", type=float, default=10.0, help="idle seconds (10)")
    parser.add_argument("--connections", type=int, metavar="N")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 1
    try:
        ctx = net.io_context()
        acceptor = tcp.acceptor(ctx, tcp.endpoint(make_address(args.address), args.port))
        ep = acceptor.local_endpoint()
        print(f"listening on {ep.address()}:{ep.port()}", flush=True)
        net.co_spawn(ctx, listen(acceptor, args.timeout, args.connections), net.detached)
        ctx.run()
    except (net.system_error, ValueError) as e:
        print(f"Exception: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

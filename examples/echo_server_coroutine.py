"""Example: TCP echo server with coroutines (Asio's ``cpp20/coroutines/echo_server.cpp``).

Sends back whatever each client sends, one coroutine per connection::

    python examples/echo_server_coroutine.py            # port 55555, as the C++
    python examples/echo_server_coroutine.py 0 --threads 4 --connections 10

Once listening it prints ``listening on <address>:<port>`` (``0`` picks a free port). The
C++ listens on every IPv4 address on port 55555 and runs until SIGINT/SIGTERM; this port
listens on 127.0.0.1 unless ``--address`` says otherwise, stops on SIGINT/SIGTERM too, and
with ``--connections N`` stops accepting after N connections, so it exits once those end.
``--threads`` runs the io_context on that many threads (the C++ uses one).

The C++ ``awaitable<void>`` functions are ``async def`` coroutines; ``co_await`` is
``await``, ``use_awaitable`` the same token. A read that reaches the end of the stream
raises ``system_error`` (eof), which ``echo`` reports as the C++ does.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

import asiolike as net
from asiolike.ip import make_address, tcp


async def echo(socket: tcp.socket) -> None:
    """Echo one connection until the peer closes it (or an error)."""
    try:
        data = bytearray(1024)
        while True:
            n = await socket.async_read_some(net.buffer(data), net.use_awaitable)
            await net.async_write(socket, net.buffer(data, n), net.use_awaitable)
    except Exception as e:
        print(f"echo Exception: {e}", flush=True)
    finally:
        socket.close()  # the C++ socket closes when the coroutine frame goes


async def listener(endpoint: tcp.endpoint, connections: int | None) -> None:
    """Accept connections and spawn an :func:`echo` coroutine for each."""
    executor = await net.this_coro.executor
    acceptor = tcp.acceptor(executor, endpoint)
    ep = acceptor.local_endpoint()
    print(f"listening on {ep.address()}:{ep.port()}", flush=True)
    while connections is None or connections > 0:
        socket = await acceptor.async_accept(net.use_awaitable)
        net.co_spawn(executor, echo(socket), net.detached)
        if connections is not None:
            connections -= 1
    acceptor.close()


def main(argv: list[str] | None = None) -> int:
    """Run the server; ``argv`` is the command line without the program name.

    Returns:
        0 once the io_context stopped (a signal, or the last of ``--connections`` ended),
        1 for a wrong command line or an endpoint that cannot be used.
    """
    parser = argparse.ArgumentParser(
        prog="echo_server_coroutine.py", description="Asio's C++20 coroutine echo server."
    )
    parser.add_argument("port", type=int, nargs="?", default=55555, help="0: any free port")
    parser.add_argument("--address", default="127.0.0.1", help="the address to listen on")
    parser.add_argument("--connections", type=int, metavar="N", help="stop after N connections")
    parser.add_argument("--threads", type=int, default=1, help="threads running the io_context")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 1

    try:
        io_context = net.io_context(1)
        endpoint = tcp.endpoint(make_address(args.address), args.port)
        signals = None
        if threading.current_thread() is threading.main_thread():
            signals = net.signal_set(io_context, signal.SIGINT, signal.SIGTERM)

            def on_signal(ec: net.error_code, signo: int) -> None:
                if not ec:  # not when done() below cancels the wait
                    io_context.stop()

            signals.async_wait(on_signal)

        def done(exc: BaseException | None, result: None) -> None:
            # The listener ended (--connections, or it failed): the signal wait must not
            # keep the server alive; the echo coroutines still run to their end.
            if signals is not None:
                signals.cancel()
            if exc is not None:
                raise exc

        net.co_spawn(io_context, listener(endpoint, args.connections), done)
        workers = [threading.Thread(target=io_context.run) for _ in range(args.threads - 1)]
        for w in workers:
            w.start()
        io_context.run()
        for w in workers:
            w.join()
    except (net.system_error, ValueError) as e:
        print(f"Exception: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

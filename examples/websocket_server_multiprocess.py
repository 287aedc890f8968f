"""Example: WebSocket echo server, one io_context per process, one port for all.

Runs PROCESSES worker processes, each with its own io_context on one thread, all
accepting on one address and port with ``SO_REUSEPORT`` (``socket_base.reuse_port``):
the kernel spreads the incoming connections over them, so the server uses as many cores
as it has processes. This is the "io_context per CPU" design of Asio's
``cpp03/http/server2`` (an io_context per thread, there), with processes because one
Python process runs Python code on one core at a time::

    python examples/websocket_server_multiprocess.py 0.0.0.0 8080 4

Each worker runs the sessions of ``websocket_server_async.py`` (Beast's
``websocket_server_async.cpp``: echo every message), imported from it as the chat
examples import ``chat_message``; the upgrade response names the worker
(``Server: ... worker 2``). As there, a session that fails closes its connection at once
(``session.fail``), where the C++ leaves it to the destructor.

The port is chosen and held by the parent before the workers start, with an unlistening
socket bound with ``reuse_port`` (so port 0 picks one free port for all of them); once
every worker listens, the parent prints ``listening on <address>:<port>`` and lets its
socket go. SIGINT (Ctrl-C) or SIGTERM to the parent stops the workers (each stops
accepting, drops its connections and exits) and then the parent, with status 0; a
worker that dies on its own stops the others, and the parent exits with status 1.
Linux (and the BSDs) only: ``SO_REUSEPORT`` and ``fork``.
"""

from __future__ import annotations

import os
import signal
import sys

# The script's own folder is on sys.path (python examples/...py), as the tests put it.
import websocket_server_async

import asiolike as net
from asiolike import beast
from asiolike.beast import http, websocket
from asiolike.ip import make_address, tcp

_SERVER = f"asiolike/{net.__version__} websocket-server-multiprocess"
_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


class session(websocket_server_async.session):
    """The echo session of ``websocket_server_async.py``, naming its worker."""

    worker = 0

    def on_run(self) -> None:
        self.ws.set_option(websocket.stream_base.timeout.suggested(beast.role_type.server))

        def decorate(res: websocket.response_type) -> None:
            res.set(http.field.server, f"{_SERVER} worker {self.worker}")

        self.ws.set_option(websocket.stream_base.decorator(decorate))
        self.ws.async_accept(self.on_accept)


class listener(websocket_server_async.listener):
    """Accepts on a port shared with the other workers (``reuse_port``).

    Args:
        ioc: The worker's io_context.
        endpoint: The address and the (already chosen) port.

    Raises:
        asiolike.system_error: opening, binding or listening failed.
    """

    def __init__(self, ioc: net.io_context, endpoint: tcp.endpoint) -> None:
        self.ioc = ioc
        self.acceptor = tcp.acceptor(ioc)
        self.acceptor.open(endpoint.protocol())
        self.acceptor.set_option(net.socket_base.reuse_address(True))
        self.acceptor.set_option(net.socket_base.reuse_port(True))
        self.acceptor.bind(endpoint)
        self.acceptor.listen(net.socket_base.max_listen_connections)

    def on_accept(self, ec: net.error_code, socket: tcp.socket) -> None:
        if ec == net.error.operation_aborted:
            return  # shutting down: the acceptor was closed
        if ec:
            websocket_server_async.fail(ec, "accept")
            return
        session(socket).run()
        self.do_accept()


def worker(index: int, endpoint: tcp.endpoint, ready: int) -> int:
    """One worker process: its own io_context, a listener, and the stop signals."""
    session.worker = index
    ioc = net.io_context()
    lst = listener(ioc, endpoint)
    signals = net.signal_set(ioc, signal.SIGINT, signal.SIGTERM)
    # Blocked by the parent before the fork (see main): held until the set is ready.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)

    def on_signal(ec: net.error_code, signal_number: int) -> None:
        if not ec:
            lst.acceptor.close()
            ioc.stop()  # drops the open connections: the process is ending

    signals.async_wait(on_signal)
    lst.run()
    os.write(ready, b"1")
    os.close(ready)
    ioc.run()
    return 0


def main(argv: list[str]) -> int:
    """Start the workers and wait for a signal; ``argv`` lacks the program name.

    Returns:
        The exit status: 0 after SIGINT/SIGTERM stopped every worker, 1 for a wrong
        command line, a port that cannot be used, or a worker that died on its own.
    """
    if len(argv) != 3:
        print(
            "Usage: websocket_server_multiprocess.py <address> <port> <processes>\n"
            "Example:\n"
            "    websocket_server_multiprocess.py 0.0.0.0 8080 4",
            file=sys.stderr,
        )
        return 1
    try:
        address = make_address(argv[0])
        port = int(argv[1])
        processes = max(1, int(argv[2]))
    except (ValueError, OSError) as e:
        print(f"websocket_server_multiprocess.py: {e}", file=sys.stderr)
        return 1

    # A stop signal that comes before a process has its signal_set is held (blocked) until
    # it has one, so none is lost and no process dies half set up; the workers inherit
    # the mask and unblock once ready.
    signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)

    # Hold the port (unlistening, so it takes no connection) until the workers listen.
    ioc = net.io_context()
    holder = tcp.acceptor(ioc)
    try:
        endpoint = tcp.endpoint(address, port)
        holder.open(endpoint.protocol())
        holder.set_option(net.socket_base.reuse_address(True))
        holder.set_option(net.socket_base.reuse_port(True))
        holder.bind(endpoint)
        endpoint = holder.local_endpoint()
    except net.system_error as e:
        print(f"websocket_server_multiprocess.py: {e}", file=sys.stderr)
        return 1

    ready_r, ready_w = os.pipe()
    workers: set[int] = set()
    for index in range(1, processes + 1):
        pid = os.fork()
        if pid == 0:  # the worker: nothing of the parent's io_context is used here
            os.close(ready_r)
            status = 1
            try:
                status = worker(index, endpoint, ready_w)
            except BaseException as e:  # reported, then the process ends
                print(f"worker {index}: {e}", file=sys.stderr)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(status)
        workers.add(pid)
    os.close(ready_w)

    # Every worker writes one byte once it listens; end of file first: one died.
    started = 0
    while started < processes:
        chunk = os.read(ready_r, processes)
        if not chunk:
            break
        started += len(chunk)
    os.close(ready_r)
    holder.close()

    failed = started < processes
    stopping = failed
    signals = net.signal_set(ioc, signal.SIGINT, signal.SIGTERM, signal.SIGCHLD)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)

    def stop_workers() -> None:
        for pid in workers:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def reap() -> None:
        nonlocal failed
        while workers:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                workers.clear()
                return
            if pid == 0:
                return
            workers.discard(pid)
            if os.waitstatus_to_exitcode(status) != 0:
                failed = True

    def on_signal(ec: net.error_code, signal_number: int) -> None:
        nonlocal stopping, failed
        if ec:
            return
        if signal_number == signal.SIGCHLD:
            reap()
            if not stopping:
                failed = True  # a worker ended without being asked to
                stopping = True
                stop_workers()
        elif not stopping:
            stopping = True
            stop_workers()
        if workers:
            signals.async_wait(on_signal)
        else:
            signals.cancel()

    if failed:
        stop_workers()
    else:
        print(f"listening on {endpoint.address()}:{endpoint.port()}", flush=True)
    reap()
    if workers:
        signals.async_wait(on_signal)
        ioc.run()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

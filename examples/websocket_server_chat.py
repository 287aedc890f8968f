"""Example: WebSocket chat server, multi-threaded (Beast's ``websocket/server/chat-multi``).

A chat room over WebSocket: every text message a client sends goes to every connected
client, the sender included. Plain HTTP requests on the same port get the files under
the document root (a browser loads its chat page from there)::

    python examples/websocket_server_chat.py 0.0.0.0 8080 . 1
    python examples/websocket_server_chat.py 127.0.0.1 0 ./www 2 --connections 3

Arguments: the address to listen on, the port (0 picks a free one), the document root
and the number of threads that run the io_context. Once listening it prints ``listening
on <address>:<port>`` with the port actually bound, so that a script or a test can wait
for that line and connect. ``--connections N`` makes the server stop accepting after N
connections (HTTP or WebSocket), so that it exits once those have ended; without it the
server runs until Ctrl-C (the C++ stops on SIGINT or SIGTERM).

This is Beast's "advanced" server shape, in one file where the C++ has one per class:

* ``listener`` accepts connections, each on a strand of its own, and hands them to an
  ``http_session``;
* ``http_session`` reads requests and answers them with ``handle_request`` (the same
  file server as ``http_server_async.py``, path-traversal guard included), until a
  request is a WebSocket upgrade (``websocket.is_upgrade(req)``): then it gives its
  socket (``release_socket()``) and the request it already read to a new
  ``websocket_session``, which answers that request (``async_accept(req, ...)``) instead
  of reading another;
* ``websocket_session`` joins the ``shared_state`` once the handshake is done, reads
  messages and hands each to ``shared_state.send``, which passes it to every session;
* each ``websocket_session`` has its own write queue: ``send`` may be called from any
  thread, so it posts to the session's strand, where ``on_send`` appends the message
  and starts a write only when none is in progress (one ``async_write`` at a time),
  and ``on_write`` starts the next.

The C++ sessions leave the shared state in their destructor; Python has no destructor
that runs at a known time, so a ``websocket_session`` leaves when its read loop ends,
which is when its connection has ended.

One departure from the C++: a step that fails calls ``self.fail(ec, what)``, which reports
with the module's ``fail`` and closes the connection at once. In C++ the session's
destructor closes the socket when its last handler lets go; a Python session freed by
reference counting does too, but one that sits in a reference cycle would keep its
descriptor until the garbage collector runs.

When ``accept`` fails, the listener reports it and stops accepting, as Beast's does: a
failure such as ``no_descriptors`` (``ulimit -n`` reached) would fail again at once, and
retrying at once would spin at 100% CPU. The process keeps serving the connections it
has; restart it to accept again. ``python -m asiolike serve`` shows the alternative: it
backs off (0.1 s doubling to 1 s) and accepts again once descriptors are free.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import threading
from collections import deque

import asiolike as net
from asiolike import beast
from asiolike.beast import http, websocket
from asiolike.ip import make_address, tcp

#: The Server field of every response (Beast's ``BOOST_BEAST_VERSION_STRING``).
SERVER = f"asiolike/{net.__version__}"

_MIME_TYPES = {
    ".htm": "text/html",
    ".html": "text/html",
    ".php": "text/html",
    ".css": "text/css",
    ".txt": "text/plain",
    ".js": "application/javascript",
    ".json": "application/json",
    ".xml": "application/xml",
    ".swf": "application/x-shockwave-flash",
    ".flv": "video/x-flv",
    ".png": "image/png",
    ".jpe": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".jpg": "image/jpeg",
    ".gif": "image/gif",
    ".bmp": "image/bmp",
    ".ico": "image/vnd.microsoft.icon",
    ".tiff": "image/tiff",
    ".tif": "image/tiff",
    ".svg": "image/svg+xml",
    ".svgz": "image/svg+xml",
}


def mime_type(path: str) -> str:
    """A reasonable MIME type for a file, from its extension (case-insensitive)."""
    pos = path.rfind(".")
    ext = "" if pos < 0 else path[pos:].lower()
    return _MIME_TYPES.get(ext, "application/text")


def path_cat(base: str, path: str) -> str:
    """Append an HTTP rel-path to a local filesystem path, with the platform's separator."""
    if not base:
        return path
    result = base[:-1] if base.endswith(os.sep) else base
    result += path
    if os.sep != "/":
        result = result.replace("/", os.sep)
    return result


def handle_request(doc_root: str, req: http.request) -> http.response:
    """The response to ``req``: the file it names under ``doc_root``, or an error page."""

    def error_page(status: http.status, text: str) -> http.response:
        res = http.response(status, req.version())
        res.set(http.field.server, SERVER)
        res.set(http.field.content_type, "text/html")
        res.keep_alive(req.keep_alive())
        res.body = text
        res.prepare_payload()
        return res

    # Make sure we can handle the method
    if req.method() != http.verb.get and req.method() != http.verb.head:
        return error_page(http.status.bad_request, "Unknown HTTP-method")

    # Request path must be absolute and not contain "..".
    target = req.target()
    if not target or target[0] != "/" or ".." in target:
        return error_page(http.status.bad_request, "Illegal request-target")

    # Build the path to the requested file
    path = path_cat(doc_root, target)
    if target[-1] == "/":
        path += "index.html"

    # Attempt to open the file
    try:
        body = open(path, "rb")  # noqa: SIM115 (closed by the with below)
    except FileNotFoundError:
        return error_page(http.status.not_found, f"The resource '{target}' was not found.")
    except OSError as e:
        what = net.error.make_error_code(e).message()
        return error_page(http.status.internal_server_error, f"An error occurred: '{what}'")

    with body:
        size = os.fstat(body.fileno()).st_size
        content = b"" if req.method() == http.verb.head else body.read()

    # Respond to a HEAD request without the body, to a GET request with it
    res = http.response(http.status.ok, req.version(), content)
    res.set(http.field.server, SERVER)
    res.set(http.field.content_type, mime_type(path))
    res.content_length(size)
    res.keep_alive(req.keep_alive())
    return res


# ------------------------------------------------------------------------------------------


def fail(ec: net.error_code, what: str) -> None:
    """Report a failure on stderr, as ``what: message``.

    Cancelled operations and WebSocket closes are how sessions normally end: they are
    not reported.
    """
    if ec == net.error.operation_aborted or ec == websocket.error.closed:
        return
    print(f"{what}: {ec.message()}", file=sys.stderr)


class shared_state:
    """What all sessions share: the document root and the set of WebSocket sessions.

    Args:
        doc_root: The folder the HTTP sessions serve files from.

    Thread-safe: sessions on different threads join, leave and send at once.
    """

    def __init__(self, doc_root: str) -> None:
        self._doc_root = doc_root
        self.mutex = threading.Lock()
        self.sessions: set[websocket_session] = set()

    def doc_root(self) -> str:
        """The folder the files are served from."""
        return self._doc_root

    def join(self, session: websocket_session) -> None:
        """Add a session: it gets every message sent from now on."""
        with self.mutex:
            self.sessions.add(session)

    def leave(self, session: websocket_session) -> None:
        """Remove a session (leaving twice does nothing)."""
        with self.mutex:
            self.sessions.discard(session)

    def send(self, message: str) -> None:
        """Broadcast a message to all WebSocket sessions."""
        # Send from a copy of the set, so that the lock is not held while sending.
        with self.mutex:
            v = list(self.sessions)
        for session in v:
            session.send(message)


class http_session:
    """Reads HTTP requests and answers them, until one is a WebSocket upgrade.

    Args:
        socket: The accepted connection; its executor (a strand) runs the handlers.
        state: The shared state.
    """

    def __init__(self, socket: tcp.socket, state: shared_state) -> None:
        self.stream = beast.tcp_stream(socket)
        self.buffer = beast.flat_buffer()
        self.state = state
        self.req = http.request()

    def fail(self, ec: net.error_code, what: str) -> None:
        """Report a failure with :func:`fail` and close the connection at once."""
        fail(ec, what)
        self.stream.close()

    def run(self) -> None:
        """Start reading requests, on the session's strand."""
        net.dispatch(self.stream.get_executor(), self.do_read)

    def do_read(self) -> None:
        # Clear the request message: nothing of the last one may stay.
        self.req = http.request()

        # Set the timeout.
        self.stream.expires_after(30)

        # Read a request
        http.async_read(self.stream, self.buffer, self.req, self.on_read)

    def on_read(self, ec: net.error_code, bytes_transferred: int) -> None:
        # This means they closed the connection
        if ec == http.error.end_of_stream:
            return self.do_close()

        # Handle the error, if any
        if ec:
            return self.fail(ec, "read")

        # See if it is a WebSocket Upgrade
        if websocket.is_upgrade(self.req):
            # Create a WebSocket session by transferring the socket
            websocket_session(self.stream.release_socket(), self.state).run(self.req)
            return

        # Send the response
        self.send_response(handle_request(self.state.doc_root(), self.req))

    def send_response(self, msg: http.response) -> None:
        keep_alive = msg.keep_alive()

        # Write the response
        http.async_write(self.stream, msg, functools.partial(self.on_write, keep_alive))

    def on_write(self, keep_alive: bool, ec: net.error_code, bytes_transferred: int) -> None:
        # Handle the error, if any
        if ec:
            return self.fail(ec, "write")

        if not keep_alive:
            # This means we should close the connection, usually because
            # the response indicated the "Connection: close" semantic.
            return self.do_close()

        # Read another request
        self.do_read()

    def do_close(self) -> None:
        # Send a TCP shutdown
        try:
            self.stream.socket().shutdown(tcp.socket.shutdown_send)
        except net.system_error:
            pass  # the peer may already be gone: nothing left to do either way


class websocket_session:
    """One WebSocket client of the chat room.

    Args:
        socket: The connection, taken over from the :class:`http_session` that read the
            upgrade request; its executor (a strand) runs the handlers.
        state: The shared state the session joins.
    """

    def __init__(self, socket: tcp.socket, state: shared_state) -> None:
        self.ws = websocket.stream(beast.tcp_stream(socket))
        self.state = state
        self.buffer = beast.flat_buffer()
        self.queue: deque[str] = deque()

    def fail(self, ec: net.error_code, what: str) -> None:
        """Report a failure with :func:`fail` and close the connection at once."""
        fail(ec, what)
        beast.get_lowest_layer(self.ws).close()

    def run(self, req: http.request) -> None:
        """Answer the upgrade request ``req`` (already read), then start reading messages."""
        # Set suggested timeout settings for the websocket
        self.ws.set_option(websocket.stream_base.timeout.suggested(beast.role_type.server))

        # Set a decorator to change the Server of the handshake
        def decorate(res: websocket.response_type) -> None:
            res.set(http.field.server, SERVER + " websocket-chat-multi")

        self.ws.set_option(websocket.stream_base.decorator(decorate))

        # Accept the websocket handshake
        self.ws.async_accept(req, self.on_accept)

    def on_accept(self, ec: net.error_code) -> None:
        # Handle the error, if any
        if ec:
            return self.fail(ec, "accept")

        # Add this session to the list of active sessions
        self.state.join(self)

        # Read a message
        self.ws.async_read(self.buffer, self.on_read)

    def on_read(self, ec: net.error_code, bytes_transferred: int) -> None:
        # Handle the error, if any
        if ec:
            # The connection has ended: remove this session from the list of active
            # sessions (the C++ destructor's part).
            self.state.leave(self)
            return self.fail(ec, "read")

        # Send to all connections
        self.state.send(beast.buffers_to_string(self.buffer.data()))

        # Clear the buffer
        self.buffer.consume(self.buffer.size())

        # Read another message
        self.ws.async_read(self.buffer, self.on_read)

    def send(self, message: str) -> None:
        """Queue a message for this client. Safe from any thread."""
        # Post our work to the strand, this ensures
        # that the members of `self` will not be
        # accessed concurrently.
        net.post(self.ws.get_executor(), functools.partial(self.on_send, message))

    def on_send(self, message: str) -> None:
        # Always add to queue
        self.queue.append(message)

        # Are we already writing?
        if len(self.queue) > 1:
            return

        # We are not currently writing, so send this immediately
        self.ws.async_write(self.queue[0], self.on_write)

    def on_write(self, ec: net.error_code, bytes_transferred: int) -> None:
        # Handle the error, if any
        if ec:
            return self.fail(ec, "write")

        # Remove the string from the queue
        self.queue.popleft()

        # Send the next message if any
        if self.queue:
            self.ws.async_write(self.queue[0], self.on_write)


# ------------------------------------------------------------------------------------------


class listener:
    """Accepts incoming connections and launches the HTTP sessions.

    Args:
        ioc: The io_context running the listener and the sessions.
        endpoint: Where to listen (port 0: a free port, see :meth:`local_endpoint`).
        state: The shared state of all sessions.
        connections: Stop accepting after this many connections (None: never).

    A step of the setup that fails is reported with :func:`fail`; the listener then
    stays closed and :meth:`run` does nothing, as in Beast.
    """

    def __init__(
        self,
        ioc: net.io_context,
        endpoint: tcp.endpoint,
        state: shared_state,
        connections: int | None = None,
    ) -> None:
        self.ioc = ioc
        self.acceptor = tcp.acceptor(ioc)
        self.state = state
        self.connections = connections

        try:
            # Open the acceptor
            self.acceptor.open(endpoint.protocol())
        except net.system_error as e:
            return fail(e.code, "open")

        try:
            # Allow address reuse
            self.acceptor.set_option(net.socket_base.reuse_address(True))
            # Bind to the server address
            self.acceptor.bind(endpoint)
            # Start listening for connections
            self.acceptor.listen(net.socket_base.max_listen_connections)
        except net.system_error as e:
            fail(e.code, "listen")
            self.acceptor.close()

    def local_endpoint(self) -> tcp.endpoint:
        """The endpoint bound, with the port the system chose for port 0."""
        return self.acceptor.local_endpoint()

    def run(self) -> None:
        """Start accepting incoming connections."""
        if not self.acceptor.is_open():
            return
        self.do_accept()

    def do_accept(self) -> None:
        # The new connection gets its own strand
        self.acceptor.async_accept(net.make_strand(self.ioc), self.on_accept)

    def on_accept(self, ec: net.error_code, socket: tcp.socket) -> None:
        if ec:
            return fail(ec, "accept")

        # Launch a new session for this connection
        http_session(socket, self.state).run()

        if self.connections is not None:
            self.connections -= 1
            if self.connections == 0:
                self.acceptor.close()
                return

        # Accept another connection
        self.do_accept()


def main(argv: list[str] | None = None) -> int:
    """Run the server; ``argv`` is the command line without the program name.

    Returns:
        The exit status: 1 for a wrong command line, 0 after Ctrl-C or when the
        io_context ran out of work (after ``--connections`` connections ended, or the
        listener could not be set up).
    """
    parser = argparse.ArgumentParser(
        prog="websocket_server_chat.py",
        description="Beast's WebSocket chat server: a chat room, and files over HTTP.",
        epilog="Example: websocket_server_chat.py 0.0.0.0 8080 . 1",
    )
    parser.add_argument("address", help="the address to listen on, e.g. 0.0.0.0")
    parser.add_argument("port", type=int, help="the port to listen on (0: any free port)")
    parser.add_argument("doc_root", help="the folder to serve files from")
    parser.add_argument("threads", type=int, help="how many threads run the io_context")
    parser.add_argument(
        "--connections", type=int, metavar="N", help="stop accepting after N connections"
    )
    try:
        args = parser.parse_args(argv)
        address = make_address(args.address)
    except SystemExit as exc:  # --help (0) or a wrong command line (argparse said why)
        return 0 if exc.code == 0 else 1
    except ValueError as e:
        print(f"websocket_server_chat.py: {e}", file=sys.stderr)
        return 1
    threads = max(1, args.threads)

    # The io_context is required for all I/O
    ioc = net.io_context()

    # Create and launch a listening port
    state = shared_state(args.doc_root)
    lst = listener(ioc, tcp.endpoint(address, args.port), state, args.connections)
    if lst.acceptor.is_open():
        ep = lst.local_endpoint()
        print(f"listening on {ep.address()}:{ep.port()}", flush=True)
    lst.run()

    # Run the I/O service on the requested number of threads
    v = [threading.Thread(target=ioc.run, daemon=True) for _ in range(threads - 1)]
    for t in v:
        t.start()
    try:
        ioc.run()
    except KeyboardInterrupt:
        # Stop the io_context: every run() returns at once (the C++ does this on SIGINT
        # or SIGTERM).
        ioc.stop()

    # Block until all the threads exit
    for t in v:
        t.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())

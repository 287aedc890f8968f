"""Example: HTTP server, asynchronous (Beast's ``http/server/async/http_server_async.cpp``).

Serves the files under a folder (``GET`` and ``HEAD``), with keep-alive::

    python examples/http_server_async.py 0.0.0.0 8080 . 1
    python examples/http_server_async.py 127.0.0.1 0 ./www 1 --connections 3

Arguments: the address to listen on, the port (0 picks a free one), the document root
and the number of threads that run the io_context. Once listening it prints ``listening
on <address>:<port>`` with the port actually bound, so that a script or a test can wait
for that line and connect. ``--connections N`` makes the server stop accepting after N
connections, so that it exits once those have ended (the C++ runs until it is killed;
so does this port without the option).

``handle_request`` refuses a target that does not start with ``/`` or that contains
``..`` (Beast's ``bad_request("Illegal request-target")``): without that guard,
``GET /../../etc/passwd`` would read outside the document root. A target ending in
``/`` serves its ``index.html``.

A ``listener`` accepts connections; each gets a ``session`` on a strand of its own, so
the example stays correct with several threads. As in Beast, the methods passed as
handlers keep their object alive (the C++ uses ``shared_from_this()``), and the stream
closes its socket when the session is dropped (Beast's destructor), or at once when a
step fails (below). As in Beast, the file
is sent with ``http.file_body``: never read into memory, it goes from the page cache to
the socket with ``os.sendfile`` (a small file is read and sent with its header in one
system call). ``handle_request`` returns an ``http.message_generator``, so that it can
answer with a string body, an empty body or a file body, and the session writes it with
``beast.async_write``, as Beast's current example does.

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
import errno
import functools
import os
import sys
import threading

import asiolike as net
from asiolike import beast
from asiolike.beast import http
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


def handle_request(doc_root: str, req: http.request) -> http.message_generator:
    """The response to ``req``: the file it names under ``doc_root``, or an error page."""

    # Returns a bad request response
    def bad_request(why: str) -> http.message_generator:
        res = http.response(http.status.bad_request, req.version())
        res.set(http.field.server, SERVER)
        res.set(http.field.content_type, "text/html")
        res.keep_alive(req.keep_alive())
        res.body = why
        res.prepare_payload()
        return http.message_generator(res)

    # Returns a not found response
    def not_found(target: str) -> http.message_generator:
        res = http.response(http.status.not_found, req.version())
        res.set(http.field.server, SERVER)
        res.set(http.field.content_type, "text/html")
        res.keep_alive(req.keep_alive())
        res.body = f"The resource '{target}' was not found."
        res.prepare_payload()
        return http.message_generator(res)

    # Returns a server error response
    def server_error(what: str) -> http.message_generator:
        res = http.response(http.status.internal_server_error, req.version())
        res.set(http.field.server, SERVER)
        res.set(http.field.content_type, "text/html")
        res.keep_alive(req.keep_alive())
        res.body = f"An error occurred: '{what}'"
        res.prepare_payload()
        return http.message_generator(res)

    # Make sure we can handle the method
    if req.method() != http.verb.get and req.method() != http.verb.head:
        return bad_request("Unknown HTTP-method")

    # Request path must be absolute and not contain "..".
    target = req.target()
    if not target or target[0] != "/" or ".." in target:
        return bad_request("Illegal request-target")

    # Build the path to the requested file
    path = path_cat(doc_root, target)
    if target[-1] == "/":
        path += "index.html"

    # Attempt to open the file
    body = http.file_body.value_type()
    try:
        body.open(path, beast.file_mode.scan)
    except net.system_error as e:
        # Handle the case where the file doesn't exist
        if e.errno == errno.ENOENT:
            return not_found(target)

        # Handle an unknown error
        return server_error(e.code.message())

    # Cache the size since we need it after the move
    size = body.size()

    # Respond to HEAD request
    if req.method() == http.verb.head:
        body.close()
        res = http.response[http.empty_body](http.status.ok, req.version())
        res.set(http.field.server, SERVER)
        res.set(http.field.content_type, mime_type(path))
        res.content_length(size)
        res.keep_alive(req.keep_alive())
        return http.message_generator(res)

    # Respond to GET request
    file_res = http.response[http.file_body](http.status.ok, req.version(), body)
    file_res.set(http.field.server, SERVER)
    file_res.set(http.field.content_type, mime_type(path))
    file_res.content_length(size)
    file_res.keep_alive(req.keep_alive())
    return http.message_generator(file_res)


# ------------------------------------------------------------------------------------------


def fail(ec: net.error_code, what: str) -> None:
    """Report a failure on stderr, as ``what: message``."""
    print(f"{what}: {ec.message()}", file=sys.stderr)


class session:
    """Handles an HTTP server connection: reads requests, writes responses.

    Args:
        socket: The accepted connection; the session owns it from now on. Its executor
            (a strand, see :class:`listener`) runs every handler of the session.
        doc_root: The folder the files are served from.
    """

    def __init__(self, socket: tcp.socket, doc_root: str) -> None:
        self.stream = beast.tcp_stream(socket)
        self.buffer = beast.flat_buffer()
        self.doc_root = doc_root
        self.req = http.request()

    def fail(self, ec: net.error_code, what: str) -> None:
        """Report a failure with :func:`fail` and close the connection at once."""
        fail(ec, what)
        self.stream.close()

    def run(self) -> None:
        """Start the session on its strand."""
        # The I/O objects of the session may only be used from within its strand.
        # Not needed with a single thread, but the example is thread-safe by default.
        net.dispatch(self.stream.get_executor(), self.do_read)

    def do_read(self) -> None:
        # Make the request empty before reading, so that nothing of the last one stays.
        self.req = http.request()

        # Set the timeout.
        self.stream.expires_after(30)

        # Read a request
        http.async_read(self.stream, self.buffer, self.req, self.on_read)

    def on_read(self, ec: net.error_code, bytes_transferred: int) -> None:
        # This means they closed the connection
        if ec == http.error.end_of_stream:
            return self.do_close()

        if ec:
            return self.fail(ec, "read")

        # Send the response
        self.send_response(handle_request(self.doc_root, self.req))

    def send_response(self, msg: http.message_generator) -> None:
        keep_alive = msg.keep_alive()

        # Write the response
        beast.async_write(self.stream, msg, functools.partial(self.on_write, keep_alive))

    def on_write(self, keep_alive: bool, ec: net.error_code, bytes_transferred: int) -> None:
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

        # At this point the connection is closed gracefully


# ------------------------------------------------------------------------------------------


class listener:
    """Accepts incoming connections and launches the sessions.

    Args:
        ioc: The io_context running the listener and the sessions.
        endpoint: Where to listen (port 0: a free port, see :meth:`local_endpoint`).
        doc_root: The folder the files are served from.
        connections: Stop accepting after this many connections (None: never).

    A step of the setup that fails is reported with :func:`fail`; the listener then
    stays closed and :meth:`run` does nothing, as in Beast.
    """

    def __init__(
        self,
        ioc: net.io_context,
        endpoint: tcp.endpoint,
        doc_root: str,
        connections: int | None = None,
    ) -> None:
        self.ioc = ioc
        self.acceptor = tcp.acceptor(net.make_strand(ioc))
        self.doc_root = doc_root
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
            fail(ec, "accept")
            return  # no retry: a failing acceptor would fail again at once, forever

        # Create the session and run it
        session(socket, self.doc_root).run()

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
        The exit status: 1 for a wrong command line, 0 when the io_context ran out of work
        (after ``--connections`` connections ended, or the listener could not be set up).
    """
    parser = argparse.ArgumentParser(
        prog="http_server_async.py",
        description="Beast's asynchronous HTTP server: serves the files under doc_root.",
        epilog="Example: http_server_async.py 0.0.0.0 8080 . 1",
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
        print(f"http_server_async.py: {e}", file=sys.stderr)
        return 1
    threads = max(1, args.threads)

    # The io_context is required for all I/O
    ioc = net.io_context(threads)

    # Create and launch a listening port
    lst = listener(ioc, tcp.endpoint(address, args.port), args.doc_root, args.connections)
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
        ioc.stop()  # Ctrl-C ends the server quietly, as SIGINT ends the C++ one
    for t in v:
        t.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())

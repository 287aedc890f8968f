"""Example: small HTTP server (Beast's ``http/server/small/http_server_small.cpp``).

A server with a little state: ``/count`` says how many requests it has seen, ``/time``
the current time, anything else is 404::

    python examples/http_server_small.py 0.0.0.0 8080

Arguments: the address to listen on and the port (0 picks a free one). Once listening it
prints ``listening on <address>:<port>``. Each connection serves one request (the response
says ``Connection: close``) and is closed after 60 seconds whatever happens, by a
``steady_timer``, as Beast's ``check_deadline``. The bodies are ``http.dynamic_body``
(a ``beast.multi_buffer``), written to as Beast writes to ``beast::ostream``.

One departure from the C++: a read or write that fails closes the connection at once
(``http_connection.close``), where the C++ session only returns, and its socket stays
open until the 60-second deadline closes it.
"""

from __future__ import annotations

import sys
import time

import asiolike as net
from asiolike import beast
from asiolike.beast import http
from asiolike.ip import make_address, tcp


class my_program_state:
    """The program's state: a request counter and the clock."""

    count = 0

    @classmethod
    def request_count(cls) -> int:
        """Count one more request; the count so far."""
        cls.count += 1
        return cls.count

    @staticmethod
    def now() -> int:
        """Seconds since the epoch."""
        return int(time.time())


def ostream(body: beast.multi_buffer, text: str) -> None:
    """Append ``text`` to a dynamic body (Beast's ``beast::ostream(body) << text``)."""
    data = text.encode()
    view = body.prepare(len(data))
    view[:] = data
    view.release()
    body.commit(len(data))


class http_connection:
    """Handles one HTTP server connection."""

    def __init__(self, socket: tcp.socket) -> None:
        # The socket for the currently connected client.
        self.socket = socket
        # The buffer for performing reads.
        self.buffer = beast.flat_buffer(8192)
        # The request message.
        self.request = http.request[http.dynamic_body]()
        # The response message.
        self.response = http.response[http.dynamic_body]()
        # The timer for putting a deadline on connection processing.
        self.deadline = net.steady_timer(socket.get_executor(), 60)

    def start(self) -> None:
        """Initiate the asynchronous operations associated with the connection."""
        self.read_request()
        self.check_deadline()

    def read_request(self) -> None:
        # Asynchronously receive a complete request message.
        http.async_read(self.socket, self.buffer, self.request, self.on_read)

    def close(self) -> None:
        """Close the connection at once and stop the deadline (a failed read or write)."""
        self.socket.close()
        self.deadline.cancel()

    def on_read(self, ec: net.error_code, bytes_transferred: int) -> None:
        if ec:
            return self.close()

        self.process_request()

    def process_request(self) -> None:
        # Determine what needs to be done with the request message.
        self.response.version(self.request.version())
        self.response.keep_alive(False)

        if self.request.method() == http.verb.get:
            self.response.result(http.status.ok)
            self.response.set(http.field.server, "Beast")
            self.create_response()
        else:
            # We return responses indicating an error if we do not recognize the request
            # method.
            self.response.result(http.status.bad_request)
            self.response.set(http.field.content_type, "text/plain")
            ostream(
                self.response.body,
                f"Invalid request-method '{self.request.method_string()}'",
            )

        self.write_response()

    def create_response(self) -> None:
        # Construct a response message based on the program state.
        if self.request.target() == "/count":
            self.response.set(http.field.content_type, "text/html")
            ostream(
                self.response.body,
                "<html>\n<head><title>Request count</title></head>\n<body>\n"
                "<h1>Request count</h1>\n<p>There have been "
                f"{my_program_state.request_count()} requests so far.</p>\n</body>\n</html>\n",
            )
        elif self.request.target() == "/time":
            self.response.set(http.field.content_type, "text/html")
            ostream(
                self.response.body,
                "<html>\n<head><title>Current time</title></head>\n<body>\n"
                "<h1>Current time</h1>\n<p>The current time is "
                f"{my_program_state.now()} seconds since the epoch.</p>\n</body>\n</html>\n",
            )
        else:
            self.response.result(http.status.not_found)
            self.response.set(http.field.content_type, "text/plain")
            ostream(self.response.body, "File not found\r\n")

    def write_response(self) -> None:
        # Asynchronously transmit the response message.
        self.response.content_length(self.response.body.size())
        http.async_write(self.socket, self.response, self.on_write)

    def on_write(self, ec: net.error_code, bytes_transferred: int) -> None:
        if ec:
            return self.close()

        try:
            self.socket.shutdown(tcp.socket.shutdown_send)
        except net.system_error:
            pass  # the peer may already be gone
        self.deadline.cancel()

    def check_deadline(self) -> None:
        # Check whether we have spent enough time on this connection.
        self.deadline.async_wait(self.on_deadline)

    def on_deadline(self, ec: net.error_code) -> None:
        if not ec:
            # Close socket to cancel any outstanding operation.
            self.socket.close()


class http_server:
    """ "Loop" forever accepting new connections (Beast's recursive ``http_server``)."""

    def __init__(self, acceptor: tcp.acceptor) -> None:
        self.acceptor = acceptor

    def run(self) -> None:
        """Accept the next connection."""
        self.acceptor.async_accept(self.on_accept)

    def on_accept(self, ec: net.error_code, socket: tcp.socket) -> None:
        if not ec:
            http_connection(socket).start()
        self.run()


def main(argv: list[str]) -> int:
    """Run the server; ``argv`` is the command line without the program name."""
    if len(argv) != 2:
        print(
            "Usage: http_server_small.py <address> <port>\n"
            "Example:\n    http_server_small.py 0.0.0.0 80",
            file=sys.stderr,
        )
        return 1
    try:
        address = make_address(argv[0])
        port = int(argv[1])
    except ValueError as e:
        print(f"Error: {e}", file=sys.stderr)
        return 1

    ioc = net.io_context(1)
    acceptor = tcp.acceptor(ioc, tcp.endpoint(address, port))
    ep = acceptor.local_endpoint()
    print(f"listening on {ep.address()}:{ep.port()}", flush=True)
    http_server(acceptor).run()
    try:
        ioc.run()
    except KeyboardInterrupt:
        ioc.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

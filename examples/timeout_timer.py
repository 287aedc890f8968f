"""Example: timeouts with a timer (Asio's ``cpp11/timeouts/async_tcp_client.cpp``).

A client for a line-based protocol, with a deadline on every connect and read: a
``steady_timer`` races each operation and, if it expires first, closes the socket, which
completes the pending operation with ``operation_aborted``. A second timer sends a
heartbeat (an empty line) at regular intervals::

    python examples/timeout_timer.py
    python examples/timeout_timer.py 127.0.0.1 8080

Without a host and port it first starts a ``quiet_server`` in the same io_context: a
peer that sends one line, then never says anything again. The client prints the line,
waits for the next one, and gives up when the read deadline passes::

    Trying 127.0.0.1:40521...
    Connected to 127.0.0.1:40521
    Received: hello
    Error on receive: Operation canceled

The deadline timer is not restarted for each operation: one wait (``check_deadline``)
stays pending for the client's whole life. Each operation only moves the expiry
(``deadline.expires_after``), which completes the pending wait with
``operation_aborted``; ``check_deadline`` then compares the expiry with the clock, and
closes the socket only if the deadline really has passed, before waiting again. After
closing it moves the expiry to infinity so that it does not fire again until the next
operation sets a new deadline.

The C++ binds ``check_deadline`` and ``start_write`` with ``std::bind``, which drops the
timer's error code; the lambdas here do the same. The C++ allows 60 s to connect, 30 s
to read a line and sends a heartbeat every 10 s; this port scales them down a hundred
times (:data:`CONNECT_TIMEOUT`, :data:`READ_TIMEOUT`, :data:`HEARTBEAT_INTERVAL`) so
that the timeout shows at once.
"""

from __future__ import annotations

import math
import sys
import time

import asiolike as net
from asiolike.ip import tcp

#: The time allowed to connect to one endpoint, in seconds (60 s in C++).
CONNECT_TIMEOUT = 0.6
#: The time allowed to read a line, in seconds (30 s in C++).
READ_TIMEOUT = 0.3
#: The time between heartbeats, in seconds (10 s in C++).
HEARTBEAT_INTERVAL = 0.1


class client:
    """Reads lines from a server and sends heartbeats, with deadlines.

    Args:
        io_context: The io_context running the client.
    """

    def __init__(self, io_context: net.io_context) -> None:
        self.stopped = False
        self.endpoints: tcp.resolver.results_type | None = None
        self.socket = tcp.socket(io_context)
        self.input_buffer = bytearray()
        self.deadline = net.steady_timer(io_context)
        self.heartbeat_timer = net.steady_timer(io_context)

    def start(self, endpoints: tcp.resolver.results_type) -> None:
        """Start connecting to the endpoints, and the deadline actor."""
        self.endpoints = endpoints
        self.start_connect(0)

        # Start the deadline actor. It is set for the first time in start_connect.
        self.deadline.async_wait(lambda ec: self.check_deadline())

    def stop(self) -> None:
        """Stop everything: close the socket and cancel the timers' waits."""
        self.stopped = True
        self.socket.close()
        self.deadline.cancel()
        self.heartbeat_timer.cancel()

    def start_connect(self, endpoint_iter: int) -> None:
        assert self.endpoints is not None
        if endpoint_iter < len(self.endpoints):
            endpoint = self.endpoints[endpoint_iter].endpoint()
            print(f"Trying {endpoint}...")

            # Set a deadline for the connect operation.
            self.deadline.expires_after(CONNECT_TIMEOUT)

            # Start the asynchronous connect operation.
            self.socket.async_connect(endpoint, lambda ec: self.handle_connect(ec, endpoint_iter))
        else:
            # There are no more endpoints to try. Shut down the client.
            self.stop()

    def handle_connect(self, error: net.error_code, endpoint_iter: int) -> None:
        if self.stopped:
            return
        assert self.endpoints is not None

        # async_connect() opens the socket at the start of the operation. If the socket
        # is closed now, the deadline actor must have run first.
        if not self.socket.is_open():
            print("Connect timed out")

            # Try the next available endpoint.
            self.start_connect(endpoint_iter + 1)

        # Check if the connect operation failed before the deadline expired.
        elif error:
            print(f"Connect error: {error.message()}")

            # Close the socket used in this attempt before starting a new one.
            self.socket.close()

            # Try the next available endpoint.
            self.start_connect(endpoint_iter + 1)

        # Otherwise we have successfully established a connection.
        else:
            print(f"Connected to {self.endpoints[endpoint_iter].endpoint()}")

            # Start the input actor.
            self.start_read()

            # Start the heartbeat actor.
            self.start_write()

    def start_read(self) -> None:
        # Set a deadline for the read operation.
        self.deadline.expires_after(READ_TIMEOUT)

        # Start an asynchronous operation to read a newline-delimited message.
        net.async_read_until(
            self.socket, net.dynamic_buffer(self.input_buffer), b"\n", self.handle_read
        )

    def handle_read(self, error: net.error_code, n: int) -> None:
        if self.stopped:
            return

        if not error:
            # Extract the newline-delimited message from the buffer.
            line = self.input_buffer[: n - 1].decode("utf-8", "replace")
            del self.input_buffer[:n]

            # Empty messages are heartbeats and so ignored.
            if line:
                print(f"Received: {line}")

            self.start_read()
        else:
            print(f"Error on receive: {error.message()}")
            self.stop()

    def start_write(self) -> None:
        if self.stopped:
            return

        # Start an asynchronous operation to send a heartbeat message.
        net.async_write(self.socket, b"\n", self.handle_write)

    def handle_write(self, error: net.error_code, n: int) -> None:
        if self.stopped:
            return

        if not error:
            # Wait before sending the next heartbeat.
            self.heartbeat_timer.expires_after(HEARTBEAT_INTERVAL)
            self.heartbeat_timer.async_wait(lambda ec: self.start_write())
        else:
            print(f"Error on heartbeat: {error.message()}")
            self.stop()

    def check_deadline(self) -> None:
        if self.stopped:
            return

        # The deadline may have moved since this wait started: check it against the
        # clock (steady_timer's clock is time.monotonic()).
        if self.deadline.expiry() <= time.monotonic():
            # The deadline has passed. Closing the socket cancels any outstanding
            # asynchronous operations on it.
            self.socket.close()

            # No new deadline until another operation sets one.
            self.deadline.expires_at(math.inf)

        # Put the actor back to sleep.
        self.deadline.async_wait(lambda ec: self.check_deadline())


class quiet_server:
    """A peer that sends one line, then never answers: it reads until the client leaves.

    Args:
        io_context: The io_context running the server.
    """

    def __init__(self, io_context: net.io_context) -> None:
        self.acceptor = tcp.acceptor(io_context, tcp.endpoint("127.0.0.1", 0))
        self.socket: tcp.socket | None = None
        self.data = bytearray(512)

    def local_endpoint(self) -> tcp.endpoint:
        """Where the server listens."""
        return self.acceptor.local_endpoint()

    def run(self) -> None:
        """Accept one connection."""
        self.acceptor.async_accept(self.on_accept)

    def on_accept(self, ec: net.error_code, socket: tcp.socket) -> None:
        self.acceptor.close()
        if ec:
            return
        self.socket = socket
        net.async_write(socket, b"hello\n", self.on_write)

    def on_write(self, ec: net.error_code, n: int) -> None:
        self.do_read()

    def do_read(self) -> None:
        assert self.socket is not None
        # Heartbeats come in; nothing goes out.
        self.socket.async_read_some(net.buffer(self.data), self.on_read)

    def on_read(self, ec: net.error_code, n: int) -> None:
        assert self.socket is not None
        if ec:
            self.socket.close()  # eof: the client has gone
            return
        self.do_read()


def main(argv: list[str] | None = None) -> int:
    """Run the client; ``argv`` is the command line without the program name.

    Returns:
        The exit status: 0 once the client stopped, 1 for a wrong command line or a host
        that cannot be resolved.
    """
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (0, 2):
        print("Usage: timeout_timer.py [<host> <port>]", file=sys.stderr)
        return 1

    try:
        io_context = net.io_context()

        if args:
            host, port = args
        else:
            server = quiet_server(io_context)
            server.run()
            ep = server.local_endpoint()
            host, port = str(ep.address()), str(ep.port())

        r = tcp.resolver(io_context)
        c = client(io_context)

        c.start(r.resolve(host, port))

        io_context.run()
    except net.system_error as e:
        print(f"Exception: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

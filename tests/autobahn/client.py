"""The WebSocket client that Autobahn's fuzzingserver tests (``wstest -m fuzzingserver``).

Usage::

    PYTHONPATH=. python tests/autobahn/client.py [--url ws://127.0.0.1:9002] [--agent asiolike]
        [--cases N]

It speaks Autobahn's client protocol, one connection after the other:

1. ``/getCaseCount``: the server sends the number of cases as a text message, then closes;
2. ``/runCase?case=N&agent=asiolike`` for N = 1 .. count: echo every message (text as
   text, binary as binary) until the connection closes or fails; the fuzzer judges how;
3. ``/updateReports?agent=asiolike``: the server writes its reports, then closes.

``--cases N`` runs only the first N cases (a quick check). permessage-deflate is offered
on every connection (cases 12 and 13 need it), at zlib level 3 and memory level 8 (see
``echo_server.py``); ``read_message_max`` is 64 MiB (case 9 sends 16 MiB messages) and
``auto_fragment`` is off.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import asiolike as net
from asiolike import beast
from asiolike.beast import http, websocket
from asiolike.ip import basic_resolver_results, tcp

READ_MESSAGE_MAX = 64 << 20
COMP_LEVEL = 3
MEM_LEVEL = 8
USER_AGENT = f"asiolike/{net.__version__} autobahn-client"


def fail(ec: net.error_code, what: str) -> None:
    """Report a failure on stderr."""
    print(f"{what}: {ec.message()}", file=sys.stderr)


class session:
    """One connection: connect, handshake, echo until closed, then call ``done``.

    Args:
        ioc: The io_context.
        results: Where to connect (a resolver's results).
        host: The Host field.
        target: The request target (``/runCase?case=1&agent=asiolike``...).
        done: Called once the connection is over, with the session (see ``opened`` and
            ``first``) and the error that ended it: ``websocket.error.closed`` when the
            closing handshake completed; ``connection_reset`` as well, since the fuzzer
            (a server) aborts the TCP connection once the closing handshake is done.
    """

    def __init__(
        self,
        ioc: net.io_context,
        results: basic_resolver_results,
        host: str,
        target: str,
        done: Callable[[session, net.error_code], None],
    ) -> None:
        self.ws = websocket.stream(beast.tcp_stream(ioc))
        self.buffer = beast.flat_buffer()
        self.results = results
        self.host = host
        self.target = target
        self.done = done
        self.opened = False  # the handshake succeeded
        self.first: bytes | None = None  # the first message received

    def run(self) -> None:
        """Start the connection."""
        beast.get_lowest_layer(self.ws).async_connect(self.results, self.on_connect)

    def on_connect(self, ec: net.error_code, ep: tcp.endpoint | None) -> None:
        if ec:
            fail(ec, "connect")
            return self.done(self, ec)
        ws = self.ws
        ws.set_option(
            websocket.permessage_deflate(
                client_enable=True, comp_level=COMP_LEVEL, mem_level=MEM_LEVEL
            )
        )
        ws.read_message_max(READ_MESSAGE_MAX)
        ws.auto_fragment(False)

        def decorate(req: websocket.request_type) -> None:
            req.set(http.field.user_agent, USER_AGENT)

        ws.set_option(websocket.stream_base.decorator(decorate))
        ws.async_handshake(self.host, self.target, self.on_handshake)

    def on_handshake(self, ec: net.error_code) -> None:
        if ec:
            fail(ec, f"handshake {self.target}")
            return self.done(self, ec)
        self.opened = True
        self.do_read()

    def do_read(self) -> None:
        self.ws.async_read(self.buffer, self.on_read)

    def on_read(self, ec: net.error_code, bytes_transferred: int) -> None:
        if ec:
            return self.done(self, ec)
        if self.first is None:
            self.first = bytes(self.buffer.data())
        self.ws.text(self.ws.got_text())
        self.ws.async_write(self.buffer.data(), self.on_write)

    def on_write(self, ec: net.error_code, bytes_transferred: int) -> None:
        if ec:
            return self.done(self, ec)
        self.buffer.consume(self.buffer.size())
        self.do_read()


class runner:
    """Runs the whole protocol: case count, every case, report update."""

    def __init__(
        self, ioc: net.io_context, url: str, agent: str, limit: int | None, verbose: bool
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme != "ws" or not parts.hostname:
            raise ValueError(f"client.py: expected a ws://host:port URL, not {url!r}")
        self.ioc = ioc
        self.address = parts.hostname
        self.port = parts.port or 80
        self.host = f"{parts.hostname}:{self.port}"
        self.agent = agent
        self.limit = limit
        self.verbose = verbose
        self.resolver = tcp.resolver(ioc)
        self.results = basic_resolver_results()
        self.count = 0
        self.case = 0
        self.started = 0.0
        self.status = 1

    def run(self) -> None:
        """Resolve the fuzzer's address, then start."""
        self.resolver.async_resolve(self.address, str(self.port), self.on_resolve)

    def on_resolve(self, ec: net.error_code, results: basic_resolver_results) -> None:
        if ec:
            return fail(ec, "resolve")
        self.results = results
        session(self.ioc, results, self.host, "/getCaseCount", self.on_case_count).run()

    def on_case_count(self, s: session, ec: net.error_code) -> None:
        if s.first is None:
            return fail(ec, "getCaseCount")
        self.count = int(json.loads(s.first))
        if self.limit is not None:
            self.count = min(self.count, self.limit)
        print(f"running {self.count} cases against {self.host}", flush=True)
        self.next_case()

    def next_case(self) -> None:
        self.case += 1
        if self.case > self.count:
            target = f"/updateReports?agent={self.agent}"
            session(self.ioc, self.results, self.host, target, self.on_reports).run()
            return
        self.started = time.monotonic()
        target = f"/runCase?case={self.case}&agent={self.agent}"
        session(self.ioc, self.results, self.host, target, self.on_case).run()

    def on_case(self, s: session, ec: net.error_code) -> None:
        if self.verbose:
            took = time.monotonic() - self.started
            print(f"case {self.case}/{self.count}: {ec.message()} ({took:.2f} s)", flush=True)
        self.next_case()

    def on_reports(self, s: session, ec: net.error_code) -> None:
        # The fuzzer writes the reports before it closes: how it closes does not matter.
        if not s.opened:
            return fail(ec, "updateReports")
        print("reports updated", flush=True)
        self.status = 0


def main(argv: list[str]) -> int:
    """Run every case; ``argv`` lacks the program name.

    Returns:
        0 once the reports were updated, 1 if the protocol could not be completed.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="ws://127.0.0.1:9002")
    parser.add_argument("--agent", default="asiolike")
    parser.add_argument("--cases", type=int, default=None, help="run only the first N cases")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each case")
    args = parser.parse_args(argv)

    ioc = net.io_context(1)
    r = runner(ioc, args.url, args.agent, args.cases, args.verbose)
    r.run()
    ioc.run()
    return r.status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Example: HTTP crawler (Beast's ``http/client/crawl/http_crawl.cpp``).

Fetches ``/`` from every host given on the command line, with many concurrent workers and
a timeout on each step, then prints what happened::

    python examples/http_crawl.py 4 www.example.com www.boost.org 127.0.0.1:8080

Arguments: the number of threads running the io_context (10 workers per thread share one
list of hosts), then the hosts, each ``host`` or ``host:port`` (port 80 by default).
Beast's crawler has its list of the 10 000 most popular hosts compiled in; this one takes
them from the command line (and ``--timeout SECONDS``, 5 by default, Beast's ``timeout``).

Each ``worker`` resolves, connects, writes ``GET /``, reads the response, then takes the
next host. One ``steady_timer`` per worker bounds every step: when it expires the socket is
shut down, which fails the pending operation, and the worker moves on (Beast's
``on_timer``). The ``crawl_report`` counts the failures of each step and the status codes
received; workers update it through its strand. A step that fails closes the worker's
socket at once, before the worker moves on to the next host.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import Counter

import asiolike as net
from asiolike import beast
from asiolike.beast import http
from asiolike.ip import tcp

_USER_AGENT = f"asiolike/{net.__version__} http-crawl"


class crawl_report:
    """Hosts to visit and what the visits gave (Beast's ``crawl_report``)."""

    def __init__(self, ioc: net.io_context, hosts: list[str]) -> None:
        self.strand = net.make_strand(ioc)
        self.hosts = hosts
        self.index = 0
        self.lock = threading.Lock()
        self.resolve_failures = 0
        self.connect_failures = 0
        self.write_failures = 0
        self.read_failures = 0
        self.success = 0
        self.timeouts = 0
        self.status_codes: Counter[int] = Counter()

    def aggregate(self, f: object) -> None:
        """Run ``f(report)`` on the report's strand (counters change in one place)."""
        net.post(self.strand, lambda: f(self))  # type: ignore[operator]

    def get_host(self) -> str | None:
        """The next host to visit, or None when the list is done. Thread-safe."""
        with self.lock:
            if self.index >= len(self.hosts):
                return None
            host = self.hosts[self.index]
            self.index += 1
            return host

    def __str__(self) -> str:
        lines = [
            "Crawl report",
            "   Failure counts",
            f"      Timer        : {self.timeouts}",
            f"      Resolve      : {self.resolve_failures}",
            f"      Connect      : {self.connect_failures}",
            f"      Write        : {self.write_failures}",
            f"      Read         : {self.read_failures}",
            f"      Success      : {self.success}",
            "   Status codes",
        ]
        lines += [f"      {code:>4}: {n}" for code, n in sorted(self.status_codes.items())]
        return "\n".join(lines)


def _count(name: str) -> object:
    def bump(rep: crawl_report) -> None:
        setattr(rep, name, getattr(rep, name) + 1)

    return bump


class worker:
    """Fetches ``/`` from one host after another (Beast's ``worker``)."""

    def __init__(self, report: crawl_report, ioc: net.io_context, timeout: float) -> None:
        self.report = report
        self.timeout = timeout
        self.strand = net.make_strand(ioc)
        self.resolver = tcp.resolver(self.strand)
        self.socket = tcp.socket(self.strand)
        self.timer = net.steady_timer(self.strand)
        self.buffer = beast.flat_buffer()
        self.req = http.request()
        self.res = http.response()
        self.host = ""
        self.done = False

    def run(self) -> None:
        """Start working: the timer loop, and the first host."""
        self.timer.expires_at(float("inf"))
        self.on_timer(net.error_code())
        self.do_get_host()

    def on_timer(self, ec: net.error_code) -> None:
        if ec and ec != net.error.operation_aborted:
            print(f"timer: {ec.message()}", file=sys.stderr)
            return
        if self.done:
            return
        # Verify that the timer really expired since the deadline may have moved.
        if self.timer.expiry() <= time.monotonic():
            try:
                self.socket.shutdown(tcp.socket.shutdown_both)
            except net.system_error:
                pass
            self.socket.close()
            self.report.aggregate(_count("timeouts"))
            self.timer.expires_at(float("inf"))
        self.timer.async_wait(self.on_timer)

    def do_get_host(self) -> None:
        # Grab another host.
        host = self.report.get_host()

        # nullptr means no more work.
        if host is None:
            self.done = True
            self.timer.cancel()
            return
        self.host = host
        name, _, port = host.partition(":")

        # The Host field sent is the host as given.
        self.timer.expires_after(self.timeout)
        self.resolver.async_resolve(name, port or "80", self.on_resolve)

    def on_resolve(self, ec: net.error_code, results: tcp.resolver.results_type) -> None:
        if ec:
            self.report.aggregate(_count("resolve_failures"))
            return self.do_get_host()
        self.timer.expires_after(self.timeout)
        self.socket = tcp.socket(self.strand)
        net.async_connect(self.socket, results, self.on_connect)

    def on_connect(self, ec: net.error_code, endpoint: object) -> None:
        if ec:
            self.report.aggregate(_count("connect_failures"))
            self.socket.close()
            return self.do_get_host()
        self.timer.expires_after(self.timeout)

        # Set up an HTTP GET request message.
        self.req = http.request(http.verb.get, "/", 11)
        self.req.set(http.field.host, self.host)
        self.req.set(http.field.user_agent, _USER_AGENT)

        # Send the HTTP request to the remote host.
        http.async_write(self.socket, self.req, self.on_write)

    def on_write(self, ec: net.error_code, bytes_transferred: int) -> None:
        if ec:
            self.report.aggregate(_count("write_failures"))
            self.socket.close()
            return self.do_get_host()
        self.timer.expires_after(self.timeout)

        # Receive the HTTP response.
        self.res = http.response()
        self.buffer = beast.flat_buffer()
        http.async_read(self.socket, self.buffer, self.res, self.on_read)

    def on_read(self, ec: net.error_code, bytes_transferred: int) -> None:
        if ec:
            self.report.aggregate(_count("read_failures"))
            self.socket.close()
            return self.do_get_host()

        code = self.res.result_int()

        def record(rep: crawl_report) -> None:
            rep.success += 1
            rep.status_codes[code] += 1

        self.report.aggregate(record)

        # Gracefully close the socket.
        try:
            self.socket.shutdown(tcp.socket.shutdown_both)
        except net.system_error:
            pass  # not_connected happens sometimes, so don't bother reporting it
        self.socket.close()

        # Get another host.
        self.do_get_host()


def main(argv: list[str] | None = None) -> int:
    """Crawl; ``argv`` is the command line without the program name."""
    parser = argparse.ArgumentParser(
        prog="http_crawl.py",
        description="Beast's HTTP crawler: GET / from every host, concurrently.",
        epilog="Example: http_crawl.py 4 www.example.com www.boost.org",
    )
    parser.add_argument("threads", type=int, help="threads running the io_context")
    parser.add_argument("hosts", nargs="+", help="host or host:port to fetch / from")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds per step")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 1
    threads = max(1, args.threads)

    # Record the time.
    started = time.monotonic()

    # The io_context is required for all I/O.
    ioc = net.io_context(threads)

    # The report holds the aggregated statistics.
    report = crawl_report(ioc, args.hosts)

    # Create and launch the worker threads.
    workers = [worker(report, ioc, args.timeout) for _ in range(threads * 10)]
    for w in workers:
        w.run()
    v = [threading.Thread(target=ioc.run) for _ in range(threads - 1)]
    for t in v:
        t.start()
    ioc.run()
    for t in v:
        t.join()

    print(report)
    print(f"Elapsed time:    {time.monotonic() - started:.3f} seconds")
    return 0


if __name__ == "__main__":
    sys.exit(main())

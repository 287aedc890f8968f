"""One io_context per process: the echo rate of ``examples/websocket_server_multiprocess.py``
with 1 and with 2 server processes, same run, paired ratio.

The server runs as the example does (N processes accepting on one port with
``SO_REUSEPORT``); the load comes from CLIENTS client processes, each with one
io_context driving CONNS WebSocket connections (``websocket.stream`` over
``beast.tcp_stream``) that send a 64-byte message and wait for its echo, again and
again, for DURATION seconds after every connection is open. The rate is echoes per
second over all clients. Rounds alternate the order of the two cases.

The clients need CPU too: on a machine with C cores the server can use at most what the
clients leave (here 2 cores shared by the clients and the server processes), so the
ratio says how much a second server process helps under that load, not how the server
alone scales.

    python tests/bench/bench_multiprocess.py [--rounds N] [--clients C]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVER = ROOT / "examples" / "websocket_server_multiprocess.py"
ENV = {
    **os.environ,
    "PYTHONPATH": str(ROOT),
    "MALLOC_MMAP_THRESHOLD_": str(4 << 20),
    "MALLOC_TRIM_THRESHOLD_": str(8 << 20),
}
CONNS = 16
DURATION = 3.0
SIZE = 64

_CLIENT = r"""
import sys, time
import asiolike as net
from asiolike import beast
from asiolike.beast import websocket
from asiolike.ip import tcp

port, conns = int(sys.argv[1]), int(sys.argv[2])
duration, size = float(sys.argv[3]), int(sys.argv[4])
ioc = net.io_context()
endpoint = tcp.endpoint("127.0.0.1", port)
message = b"x" * size
state = {"open": 0, "count": 0, "start": 0.0, "end": 0.0, "running": False}
clients = []

class client:
    def __init__(self):
        self.ws = websocket.stream(beast.tcp_stream(ioc))
        self.buffer = beast.flat_buffer()
    def start(self):
        beast.get_lowest_layer(self.ws).async_connect(endpoint, self.on_connect)
    def on_connect(self, ec):
        assert not ec, ec
        beast.get_lowest_layer(self.ws).socket().set_option(tcp.no_delay(True))
        self.ws.async_handshake(f"127.0.0.1:{port}", "/", self.on_handshake)
    def on_handshake(self, ec):
        assert not ec, ec
        self.ws.binary(True)
        state["open"] += 1
        if state["open"] == conns:
            state["start"] = time.perf_counter()
            state["running"] = True
            timer.expires_after(duration)
            timer.async_wait(on_timer)
            for c in clients:
                c.do_write()
    def do_write(self):
        self.ws.async_write(message, self.on_write)
    def on_write(self, ec, n):
        assert not ec, ec
        self.ws.async_read(self.buffer, self.on_read)
    def on_read(self, ec, n):
        assert not ec, ec
        self.buffer.consume(self.buffer.size())
        if state["running"]:
            state["count"] += 1
            self.do_write()

def on_timer(ec):
    state["running"] = False
    state["end"] = time.perf_counter()

timer = net.steady_timer(ioc)
clients = [client() for _ in range(conns)]
for c in clients:
    c.start()
ioc.run_for(duration + 30)
print(state["count"] / (state["end"] - state["start"]))
"""


def trial(processes: int, clients: int) -> float:
    server = subprocess.Popen(
        [sys.executable, str(SERVER), "127.0.0.1", "0", str(processes)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=ENV,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline().decode()
        m = re.fullmatch(r"listening on 127\.0\.0\.1:(\d+)\n", line)
        if m is None:
            server.kill()
            _, err = server.communicate()
            raise RuntimeError(f"the server did not start: {line!r} {err.decode()!r}")
        port = m.group(1)
        loads = [
            subprocess.Popen(
                [sys.executable, "-c", _CLIENT, port, str(CONNS), str(DURATION), str(SIZE)],
                stdout=subprocess.PIPE,
                env=ENV,
            )
            for _ in range(clients)
        ]
        rates = []
        for p in loads:
            out, _ = p.communicate(timeout=DURATION + 60)
            rates.append(float(out.decode().strip().splitlines()[-1]))
        return sum(rates)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.communicate()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    args = parser.parse_args()
    rates: dict[int, list[float]] = {1: [], 2: []}
    for r in range(args.rounds):
        order = (1, 2) if r % 2 == 0 else (2, 1)
        for processes in order:
            rates[processes].append(trial(processes, args.clients))
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
    paired = [b / a for a, b in zip(rates[1], rates[2], strict=True)]
    print(json.dumps({"rates": rates}), file=sys.stderr)
    print(f"{'server processes':<20} {'median echoes/s':>16}")
    for processes in (1, 2):
        print(f"{processes:<20} {statistics.median(rates[processes]):>16,.0f}")
    print(f"2 processes / 1 process (paired median): {statistics.median(paired):.2f}x")
    print(
        f"({args.clients} client processes x {CONNS} connections, {SIZE} B messages, "
        f"{DURATION:g} s each, {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f})"
    )


if __name__ == "__main__":
    main()

"""Load script: N concurrent WebSocket connections against an echo server, checked byte for byte.

Not a test (pytest does not collect ``tests/load``): a script that reports figures::

    python tests/load/ws_load.py                       # 1000 connections, both servers
    python tests/load/ws_load.py -n 5000 --server asiolike
    python tests/load/ws_load.py -n 5000 --processes 4 --json
    python tests/load/ws_load.py -n 1000 --deflate

For each server it starts the server as a process on 127.0.0.1 (``python -m asiolike
serve``, or the same echo server written with the ``websockets`` library on asyncio, run
by this script itself), then client processes that together open ``N`` connections. Once
every connection is open, each sends ``--messages`` messages one after the other (0 B to
64 KiB, text and binary, sizes spread log-uniformly, with 0 B and 64 KiB among them) and
compares each echo with what it sent, type included (with ``--deflate``, both sides
negotiate permessage-deflate: ``serve --deflate`` and websockets' compression). Then it
reports:

* messages sent, echoed intact, corrupted (a different payload or type) and lost (no echo:
  the connection failed or the bounded wait ran out), connections that failed to open;
* the server's descriptor count (``/proc/<pid>/fd``) before the clients, with every
  connection open, and after they all closed (waited for up to ``--settle`` seconds);
* the server's peak resident memory (``VmHWM`` in ``/proc/<pid>/status``) and its
  resident memory before the clients.

Everything is bounded: connections and messages by the arguments, every wait by
``--timeout`` (the whole run of one server), and nothing leaves 127.0.0.1. The script
raises its own ``RLIMIT_NOFILE`` (the servers and clients inherit it) so that 5000
connections fit, up to the hard limit.

Exit status: 0 when nothing was lost or corrupted and every connection opened, else 1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import resource
import select
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

HOST = "127.0.0.1"
MAX_MESSAGE = 65536
_HERE = os.path.abspath(__file__)
_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(_HERE)))
# Text payloads: printable ASCII with some 2-, 3- and 4-byte UTF-8 characters mixed in.
_PRINTABLE = bytes(32 + (b % 95) for b in range(256))
_WIDE = "é€😀"


def raise_nofile(wanted: int) -> int:
    """Raise the soft descriptor limit to ``wanted`` (at most the hard limit); the new soft."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


def fd_count(pid: int) -> int:
    """How many descriptors process ``pid`` has open."""
    return len(os.listdir(f"/proc/{pid}/fd"))


def status_kib(pid: int, field: str) -> int:
    """A ``kB`` field (``VmHWM``, ``VmRSS``) of ``/proc/<pid>/status``."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise LookupError(field)


def make_message(rng: random.Random) -> str | bytes:
    """One message of the mixed workload: text or binary, 0 B to 64 KiB."""
    pick = rng.random()
    if pick < 0.02:
        size = 0
    elif pick < 0.04:
        size = MAX_MESSAGE
    else:
        size = min(MAX_MESSAGE, int(2 ** rng.uniform(0, math.log2(MAX_MESSAGE))))
    raw = rng.randbytes(size)
    if rng.random() < 0.5:
        return raw
    text = raw.translate(_PRINTABLE).decode("ascii")
    if size >= 16:
        at = rng.randrange(size - 8)
        text = text[:at] + _WIDE + text[at + len(_WIDE) + 4 :]
    return text


# -- the websockets server (run by this script as a process) -------------------------------


async def _websockets_server(deflate: bool) -> None:
    from websockets.asyncio.server import ServerConnection, serve

    async def echo(ws: ServerConnection) -> None:
        async for message in ws:
            await ws.send(message)

    stop = asyncio.get_running_loop().create_future()
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set_result, None)
    # As serve: 16 MiB messages, a listen backlog as large as Asio's, compression only
    # with --deflate (websockets' default zlib settings, which serve --deflate uses too).
    compression = "deflate" if deflate else None
    async with serve(
        echo, HOST, 0, compression=compression, max_size=16 << 20, backlog=4096
    ) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"listening on {HOST}:{port}", flush=True)
        await stop


# -- a client process ----------------------------------------------------------------------


async def _client(
    port: int, first: int, count: int, messages: int, seed: int, deadline: float, deflate: bool
) -> dict[str, Any]:
    from websockets.asyncio.client import connect

    url = f"ws://{HOST}:{port}/"
    result: dict[str, Any] = {
        "connections": count,
        "opened": 0,
        "open_failed": 0,
        "sent": 0,
        "intact": 0,
        "corrupted": 0,
        "lost": 0,
        "errors": [],
    }
    opening = asyncio.Semaphore(64)  # handshakes in flight: the listen backlog is finite
    all_open = asyncio.Event()
    go = asyncio.Event()
    settled = 0

    def one_settled() -> None:
        nonlocal settled
        settled += 1
        if settled == count:
            all_open.set()

    def note_error(what: str) -> None:
        if len(result["errors"]) < 10:
            result["errors"].append(what)

    async def session(index: int) -> None:
        rng = random.Random(seed * 1_000_003 + first + index)
        try:
            async with opening:
                ws = await asyncio.wait_for(
                    connect(
                        url,
                        compression="deflate" if deflate else None,
                        max_size=None,
                        open_timeout=None,
                        ping_interval=None,
                        close_timeout=10,
                    ),
                    max(0.0, deadline - time.monotonic()),
                )
        except Exception as exc:  # counted and reported
            result["open_failed"] += 1
            note_error(f"open: {exc!r}")
            one_settled()
            return
        result["opened"] += 1
        one_settled()
        done = 0
        try:
            await go.wait()
            for _ in range(messages):
                message = make_message(rng)
                await ws.send(message)
                result["sent"] += 1
                echo = await asyncio.wait_for(ws.recv(), max(0.0, deadline - time.monotonic()))
                done += 1
                if type(echo) is type(message) and echo == message:
                    result["intact"] += 1
                else:
                    result["corrupted"] += 1
                    note_error(f"corrupted: sent {len(message)} got {len(echo)}")
        except Exception as exc:  # counted and reported
            note_error(f"session: {exc!r}")
        finally:
            result["lost"] += messages - done
            try:
                await asyncio.wait_for(ws.close(), 10)
            except Exception:  # the connection is gone either way
                pass

    tasks = [asyncio.ensure_future(session(i)) for i in range(count)]
    await asyncio.wait_for(all_open.wait(), max(0.0, deadline - time.monotonic()))
    print("ready", flush=True)
    # The parent says go once every process has all its connections open.
    reader = asyncio.StreamReader()
    await asyncio.get_running_loop().connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), sys.stdin
    )
    await asyncio.wait_for(reader.readline(), max(0.0, deadline - time.monotonic()))
    go.set()
    await asyncio.wait(tasks, timeout=max(0.0, deadline - time.monotonic()))
    return result


def _run_client(args: argparse.Namespace) -> int:
    deadline = time.monotonic() + args.timeout
    client = _client(
        args.port, args.first, args.count, args.messages, args.seed, deadline, bool(args.deflate)
    )
    try:
        import uvloop  # the clients must not be the bottleneck
    except ImportError:
        result = asyncio.run(client)
    else:
        result = uvloop.run(client)
    print(json.dumps(result), flush=True)
    return 0


# -- the driver ----------------------------------------------------------------------------


def _start_server(which: str, deflate: bool) -> tuple[subprocess.Popen[str], int]:
    if which == "asiolike":
        cmd = [sys.executable, "-m", "asiolike", "serve", "--port", "0"]
        if deflate:
            cmd.append("--deflate")
    else:
        cmd = [sys.executable, _HERE, "_websockets-server", str(int(deflate))]
    proc = subprocess.Popen(
        cmd,
        cwd=_ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith(f"listening on {HOST}:"):
        proc.kill()
        raise RuntimeError(f"{which} server did not start: {line!r} {proc.communicate()}")
    return proc, int(line.rsplit(":", 1)[1])


def _read_line(proc: subprocess.Popen[str], deadline: float) -> str:
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    remaining = deadline - time.monotonic()
    if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
        raise TimeoutError("a client process did not answer in time")
    return proc.stdout.readline()


def run_one(which: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run the load against one server; the figures."""
    deadline = time.monotonic() + args.timeout
    server, port = _start_server(which, args.deflate)
    report: dict[str, Any] = {
        "server": which,
        "connections": args.connections,
        "deflate": args.deflate,
    }
    clients: list[subprocess.Popen[str]] = []
    try:
        report["fds_before"] = fd_count(server.pid)
        report["rss_before_mib"] = round(status_kib(server.pid, "VmRSS") / 1024, 1)
        per = [args.connections // args.processes] * args.processes
        for i in range(args.connections % args.processes):
            per[i] += 1
        first = 0
        started = time.monotonic()
        for count in per:
            if not count:
                continue
            clients.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        _HERE,
                        "_client",
                        str(port),
                        str(first),
                        str(count),
                        str(args.messages),
                        str(args.seed),
                        str(int(args.deflate)),
                        str(max(1.0, deadline - time.monotonic())),
                    ],
                    cwd=_ROOT,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
            )
            first += count
        for c in clients:
            line = _read_line(c, deadline)
            if line.strip() != "ready":
                raise RuntimeError(f"a client process failed to start: {line!r}")
        report["open_seconds"] = round(time.monotonic() - started, 1)
        report["fds_all_open"] = fd_count(server.pid)
        started = time.monotonic()
        for c in clients:
            assert c.stdin is not None
            c.stdin.write("go\n")
            c.stdin.flush()
        totals: dict[str, Any] = {}
        for c in clients:
            part = json.loads(_read_line(c, deadline))
            for key, value in part.items():
                if key == "errors":
                    errors = totals.setdefault("errors", [])
                    errors.extend(value[: 10 - len(errors)])
                else:
                    totals[key] = totals.get(key, 0) + value
        report["load_seconds"] = round(time.monotonic() - started, 1)
        for c in clients:
            c.wait(max(0.1, deadline - time.monotonic()))
        report.update(totals)
        # Descriptors after: the server closes its side once each closing handshake ends.
        settle_end = min(deadline, time.monotonic() + args.settle)
        after = fd_count(server.pid)
        while after > report["fds_before"] and time.monotonic() < settle_end:
            time.sleep(0.05)
            after = fd_count(server.pid)
        report["fds_after"] = after
        report["peak_rss_mib"] = round(status_kib(server.pid, "VmHWM") / 1024, 1)
        report["rss_after_mib"] = round(status_kib(server.pid, "VmRSS") / 1024, 1)
        report["server_cpu_seconds"] = _cpu_seconds(server.pid)
    finally:
        for c in clients:
            if c.poll() is None:
                c.kill()
            c.communicate()
        if server.poll() is None:
            server.send_signal(signal.SIGINT)
            try:
                server.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.communicate()
    return report


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return round((int(fields[11]) + int(fields[12])) / ticks, 1)


def _print_report(report: dict[str, Any]) -> None:
    n = report["connections"]
    deflate = ", permessage-deflate" if report["deflate"] else ""
    print(f"== {report['server']}: {n} connections{deflate}")
    print(
        f"   opened {report.get('opened', 0)} (failed {report.get('open_failed', 0)}) "
        f"in {report.get('open_seconds')} s; load {report.get('load_seconds')} s; "
        f"server CPU {report.get('server_cpu_seconds')} s"
    )
    print(
        f"   messages: sent {report.get('sent', 0)}, intact {report.get('intact', 0)}, "
        f"corrupted {report.get('corrupted', 0)}, lost {report.get('lost', 0)}"
    )
    print(
        f"   server descriptors: before {report['fds_before']}, all open "
        f"{report.get('fds_all_open')}, after {report.get('fds_after')}"
    )
    peak = report.get("peak_rss_mib", 0.0)
    extra = (peak - report["rss_before_mib"]) * 1024 / n if n else 0.0
    print(
        f"   server memory: {report['rss_before_mib']} MiB before, peak (VmHWM) {peak} MiB, "
        f"{report.get('rss_after_mib')} MiB after; {extra:.0f} KiB per connection at peak"
    )
    for e in report.get("errors", []):
        print(f"   error: {e}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the load script (see the module's docstring); the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["_websockets-server"]:
        raise_nofile(1 << 20)
        asyncio.run(_websockets_server(argv[1:] == ["1"]))
        return 0
    if argv[:1] == ["_client"]:
        p = argparse.ArgumentParser()
        for name in ("port", "first", "count", "messages", "seed", "deflate"):
            p.add_argument(name, type=int)
        p.add_argument("timeout", type=float)
        return _run_client(p.parse_args(argv[1:]))

    parser = argparse.ArgumentParser(
        description="N concurrent WebSocket connections with mixed messages against "
        "`python -m asiolike serve` and a websockets echo server; reports messages lost, "
        "descriptors and peak memory of the server."
    )
    parser.add_argument("-n", "--connections", type=int, default=1000, help="default: 1000")
    parser.add_argument("-m", "--messages", type=int, default=100, help="per connection")
    parser.add_argument(
        "--server",
        choices=("asiolike", "websockets", "both"),
        default="both",
        help="which server to load (default: both, asiolike first)",
    )
    parser.add_argument("--processes", type=int, default=4, help="client processes (default: 4)")
    parser.add_argument("--seed", type=int, default=1, help="the workload's random seed")
    parser.add_argument(
        "--timeout", type=float, default=900.0, help="bound on one server's run, seconds"
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=10.0,
        help="how long to wait for the server's descriptors to come back (default: 10 s)",
    )
    parser.add_argument(
        "--deflate",
        action="store_true",
        help="permessage-deflate on both sides (serve --deflate; websockets' compression)",
    )
    parser.add_argument("--json", action="store_true", help="print the reports as JSON too")
    args = parser.parse_args(argv)
    if not 1 <= args.connections <= 20000 or not 0 <= args.messages <= 100000:
        parser.error("connections: 1 to 20000; messages: 0 to 100000")
    if not 1 <= args.processes <= 64:
        parser.error("processes: 1 to 64")
    # The server holds one descriptor per connection, each client process its share.
    limit = raise_nofile(args.connections + 256)
    if limit < args.connections + 64:
        parser.error(f"RLIMIT_NOFILE allows only {limit} descriptors")
    ok = True
    reports = []
    for which in ("asiolike", "websockets") if args.server == "both" else (args.server,):
        report = run_one(which, args)
        reports.append(report)
        _print_report(report)
        ok = ok and (
            report.get("opened") == args.connections
            and report.get("intact") == args.connections * args.messages
            and not report.get("corrupted")
            and not report.get("lost")
        )
    if args.json:
        print(json.dumps(reports, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""HTTP benchmarks: ``examples/http_server_async.py`` against aiohttp, same run, paired ratios.

Cases:

* files, keep-alive: ``wrk -t1 -c50 -d5s`` fetches one file over and over (a 50 B file and a
  1 MiB file) from ``examples/http_server_async.py`` (one thread; ``file_body``, so the
  1 MiB file goes out with ``os.sendfile``) and from an aiohttp server serving the same
  folder with ``web.FileResponse`` (which uses sendfile too), on asyncio and on uvloop
  (requests per second, as wrk counts them); and, the stricter comparison, from an aiohttp
  server on uvloop answering from memory (``web.Response(body=...)``, the files read once
  at start: no open, stat or sendfile per request, which the file servers do);
* request parse: ``http.request_parser().put()`` of one GET request with a 300-byte header,
  whole (parses per second; the microseconds per parse are printed as well).

Every server runs in a process of its own, started by the trial, with glibc's allocator
warmed as ``_harness`` does (see its docstring): the server inherits the trial's
environment.

wrk is a Debian package: ``apt-get update && apt-get install wrk``. Without it the file
cases are skipped with a message (the parse case still runs). aiohttp is in the ``bench``
extra (``pip install -e .[bench]``).

    python tests/bench/bench_http.py [--rounds N] [--only NAME]
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

_HERE = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.abspath(os.path.join(_HERE, "..", ".."))
sys.path.insert(0, _ROOT)
sys.path.insert(0, _HERE)

from _harness import main  # noqa: E402

from asiolike.beast import http  # noqa: E402

WRK = ["-t1", "-c50", "-d5s"]
SIZES = {"50 B": 50, "1 MiB": 1 << 20}

_AIOHTTP_SERVER = """
import asyncio, sys
from aiohttp import web

root, loop_kind = sys.argv[1], sys.argv[2]
if loop_kind == "uvloop":
    import uvloop
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())

async def serve_file(request):
    return web.FileResponse(root + "/" + request.match_info["name"])

# "bytes": the files read once, at start, and each answer built from memory (no open, no
# stat, no sendfile): less work than the file server does, the stricter comparison.
contents = {}
if sys.argv[3] == "bytes":
    import os
    for name in os.listdir(root):
        with open(os.path.join(root, name), "rb") as f:
            contents[name] = f.read()

async def serve_bytes(request):
    return web.Response(body=contents[request.match_info["name"]])

async def run():
    app = web.Application()
    app.router.add_get("/{name}", serve_bytes if contents else serve_file)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    print(f"listening on 127.0.0.1:{port}", flush=True)
    await asyncio.Event().wait()

asyncio.run(run())
"""


def _doc_root() -> str:
    root = tempfile.mkdtemp(prefix="asiolike-bench-http-")
    for name, size in SIZES.items():
        with open(os.path.join(root, name.replace(" ", "")), "wb") as f:
            f.write(os.urandom(size))
    return root


def _serve(command: list[str]) -> tuple[subprocess.Popen[bytes], int]:
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    match = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
    if match is None:
        proc.kill()
        raise RuntimeError(f"the server did not start: {line!r}")
    return proc, int(match.group(1))


def _wrk(server: list[str], size: str) -> float:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get update && apt-get install wrk")
    proc, port = _serve(server)
    try:
        url = f"http://127.0.0.1:{port}/{size.replace(' ', '')}"
        out = subprocess.run(["wrk", *WRK, url], capture_output=True, text=True, check=True)
        match = re.search(r"Requests/sec:\s+([\d.]+)", out.stdout)
        if match is None or "Non-2xx" in out.stdout or "Socket errors" in out.stdout:
            raise RuntimeError(f"wrk failed:\n{out.stdout}")
        return float(match.group(1))
    finally:
        proc.kill()
        proc.wait()


def files_asiolike(size: str) -> float:
    root = _doc_root()
    try:
        script = os.path.join(_ROOT, "examples", "http_server_async.py")
        return _wrk([sys.executable, script, "127.0.0.1", "0", root, "1"], size)
    finally:
        shutil.rmtree(root, ignore_errors=True)  # each trial makes its own files


def files_aiohttp(loop: str, size: str, body: str = "file") -> float:
    root = _doc_root()
    try:
        return _wrk([sys.executable, "-c", _AIOHTTP_SERVER, root, loop, body], size)
    finally:
        shutil.rmtree(root, ignore_errors=True)


REQUEST = (
    b"GET /static/css/site.css?v=20261208 HTTP/1.1\r\n"
    b"Host: www.example.com\r\n"
    b"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\n"
    b"Accept: text/css,*/*;q=0.1\r\n"
    b"Accept-Language: en-US,en;q=0.5\r\n"
    b"Accept-Encoding: gzip, deflate, br\r\n"
    b"Connection: keep-alive\r\n"
    b"Referer: https://www.example.com/\r\n"
    b"\r\n"
)


def parse_asiolike() -> float:
    data = REQUEST
    parser = http.request_parser
    n = 100_000
    for _ in range(2000):  # warm up
        parser().put(data)
    start = time.perf_counter()
    for _ in range(n):
        p = parser()
        p.put(data)
    elapsed = time.perf_counter() - start
    print(f"request parse: {elapsed / n * 1e6:.2f} us per {len(data)}-byte header", file=sys.stderr)
    return n / elapsed


CASES: dict[str, dict[str, Callable[[], float]]] = {}
if shutil.which("wrk") is None:
    print(
        "wrk is not installed (apt-get update && apt-get install wrk): file cases skipped",
        file=sys.stderr,
    )
else:
    for _size in SIZES:
        CASES[f"GET {_size} file, keep-alive (req/s)"] = {
            "asiolike": lambda s=_size: files_asiolike(s),  # type: ignore[misc]
            "aiohttp/asyncio": lambda s=_size: files_aiohttp("asyncio", s),  # type: ignore[misc]
            "aiohttp/uvloop": lambda s=_size: files_aiohttp("uvloop", s),  # type: ignore[misc]
            "aiohttp/uvloop, bytes": lambda s=_size: files_aiohttp(  # type: ignore[misc]
                "uvloop", s, "bytes"
            ),
        }
CASES[f"request parse, {len(REQUEST)} B header (/s)"] = {"asiolike": parse_asiolike}

if __name__ == "__main__":
    main(CASES, os.path.abspath(__file__), default_rounds=3)

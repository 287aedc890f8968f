"""Measure the cost of a message fed one octet per put() against the same message fed whole.

Run: ``python tests/fuzz/header_timing.py`` (prints milliseconds and ratios). Issue 10 item 7:
the work per octet must not grow with the length of the line being received (a header
field, a chunk-size line). Octet by octet, each put() is one Python call with its fixed
cost (about a microsecond), so the figure to watch is the cost per octet: the same for a
line of 300 octets and one of 8000.
"""

from __future__ import annotations

import argparse
import time

from asiolike.beast import http


def _feed(data: bytes, step: int) -> None:
    p = http.request_parser()
    p.eager(True)
    buf = bytearray()
    for i in range(0, len(data), step):
        buf += data[i : i + step]
        used, ec = p.put(buf)
        del buf[:used]
        if ec and ec != http.error.need_more:
            raise AssertionError(ec)
    assert p.is_done(), "the message did not complete"


def _best(data: bytes, step: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        _feed(data, step)
        best = min(best, time.perf_counter() - t0)
    return best


CASES = {
    "8000-byte field": b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 8000 + b"\r\n\r\n",
    "300-byte typical header": (
        b"GET /index.html?q=1 HTTP/1.1\r\nHost: www.example.com\r\n"
        b"User-Agent: Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/120.0\r\n"
        b"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
        b"Accept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate\r\n"
        b"Connection: keep-alive\r\n\r\n"
    ),
    "8000-byte chunk-size line": (
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;e="
        + b"e" * 8000
        + b"\r\nhello\r\n0\r\n\r\n"
    ),
}


def main(argv: list[str] | None = None) -> None:
    args = argparse.ArgumentParser(description=__doc__).parse_args(argv)
    del args
    for name, data in CASES.items():
        whole = _best(data, len(data), 50)
        octets = _best(data, 1, 3 if len(data) > 1000 else 20)
        print(
            f"{name} ({len(data)} octets): whole {whole * 1e3:.3f} ms, "
            f"octet by octet {octets * 1e3:.2f} ms ({octets / len(data) * 1e6:.2f} us/octet), "
            f"ratio {octets / whole:.0f}x"
        )


if __name__ == "__main__":
    main()

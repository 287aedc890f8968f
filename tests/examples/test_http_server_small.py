"""Test of examples/http_server_small.py (Beast's small server), with http.client."""

from __future__ import annotations

import http.client
import re
import time

from tests.test_examples import BOUND, server


def get(port: int, method: str, target: str) -> tuple[int, str, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=BOUND)
    try:
        conn.request(method, target)
        res = conn.getresponse()
        return res.status, res.getheader("Connection") or "", res.read().decode()
    finally:
        conn.close()


def test_count_time_and_errors() -> None:
    with server("http_server_small.py", "127.0.0.1", "0") as srv:
        status, connection, body = get(srv.port, "GET", "/count")
        assert (status, connection) == (200, "close")
        assert "There have been 1 requests so far." in body
        assert "There have been 2 requests so far." in get(srv.port, "GET", "/count")[2]
        status, _, body = get(srv.port, "GET", "/time")
        match = re.search(r"The current time is (\d+) seconds", body)
        assert status == 200 and match is not None
        assert abs(int(match.group(1)) - time.time()) < 60
        assert get(srv.port, "GET", "/nope") == (404, "close", "File not found\r\n")
        assert get(srv.port, "DELETE", "/count") == (
            400,
            "close",
            "Invalid request-method 'DELETE'",
        )

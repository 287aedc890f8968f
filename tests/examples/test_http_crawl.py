"""Test of examples/http_crawl.py, pointed only at local servers.

Hosts: the small example server (200s and a count), a port nobody listens on (connect
failures) and a socket that accepts connections but never answers (read timeouts).
"""

from __future__ import annotations

import socket

import pytest

from examples import http_crawl
from tests.test_examples import server


def test_crawl_counts_successes_failures_and_timeouts(capsys: pytest.CaptureFixture[str]) -> None:
    refused = socket.socket()
    refused.bind(("127.0.0.1", 0))  # bound, not listening: connecting is refused
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # accepts (in the backlog), never answers
    try:
        with server("http_server_small.py", "127.0.0.1", "0") as srv:
            hosts = [f"127.0.0.1:{srv.port}"] * 12
            hosts += [f"127.0.0.1:{refused.getsockname()[1]}"] * 2
            hosts += [f"127.0.0.1:{silent.getsockname()[1]}"] * 2
            assert http_crawl.main(["2", *hosts, "--timeout", "0.5"]) == 0
    finally:
        refused.close()
        silent.close()
    out = capsys.readouterr().out
    assert "Success      : 12" in out
    assert " 404: 12" in out  # http_server_small answers / with 404
    assert "Connect      : 2" in out
    assert "Read         : 2" in out and "Timer        : 2" in out

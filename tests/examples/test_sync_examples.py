"""Tests of the synchronous examples: http_server_sync, http_client_sync,
websocket_server_sync and websocket_client_sync.

The servers run as subprocesses; their peers are the standard library's ``http.client``,
the ``websockets`` library, and the asiolike sync clients (run in-process).
"""

from __future__ import annotations

import http.client
from pathlib import Path

import pytest

from examples import http_client_sync, websocket_client_sync
from tests.test_examples import BOUND, server

websockets = pytest.importorskip("websockets")
from websockets.sync.client import connect as ws_connect  # noqa: E402


def test_http_server_sync_and_client_sync(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "index.html").write_text("<h1>sync</h1>\n")
    (tmp_path / "big.bin").write_bytes(b"0123456789abcdef" * 20_000)
    with server(
        "http_server_sync.py", "127.0.0.1", "0", str(tmp_path), "--connections", "2"
    ) as srv:
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=BOUND)
        conn.request("GET", "/")
        assert conn.getresponse().read() == b"<h1>sync</h1>\n"
        conn.request("GET", "/big.bin")
        assert conn.getresponse().read() == b"0123456789abcdef" * 20_000
        conn.request("GET", "/nope")
        res = conn.getresponse()
        assert res.status == 404
        res.read()
        conn.close()

        assert http_client_sync.main(["127.0.0.1", str(srv.port), "/", "1.0"]) == 0
        out = capsys.readouterr().out
        assert out.startswith("HTTP/1.0 200 OK\r\n") and "<h1>sync</h1>" in out
        status, _, err = srv.finish()
        assert status == 0, err


def test_http_client_sync_reports_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert http_client_sync.main(["127.0.0.1"]) == 1
    assert capsys.readouterr().err.startswith("Usage: http_client_sync.py")
    assert http_client_sync.main(["127.0.0.1", "1", "/"]) == 1  # nothing listens on port 1
    assert capsys.readouterr().err.startswith("Error: Connection refused")


def test_websocket_server_sync_and_client_sync(capsys: pytest.CaptureFixture[str]) -> None:
    with server("websocket_server_sync.py", "127.0.0.1", "0", "--connections", "2") as srv:
        with ws_connect(f"ws://127.0.0.1:{srv.port}/", open_timeout=BOUND) as ws:
            ws.send("hello")
            assert ws.recv(timeout=BOUND) == "hello"
            ws.send(b"\x00binary")
            assert ws.recv(timeout=BOUND) == b"\x00binary"
        assert websocket_client_sync.main(["127.0.0.1", str(srv.port), "Hello, sync!"]) == 0
        assert capsys.readouterr().out == "Hello, sync!\n"
        status, _, err = srv.finish()
        assert status == 0, err

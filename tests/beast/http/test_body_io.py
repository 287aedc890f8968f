"""Bodies over real streams: file uploads and downloads, sendfile and its fallback, TLS.

Real sockets on 127.0.0.1 and real files under ``tmp_path``; every run is bounded.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest

import asiolike as net
from asiolike import beast, ssl, testing
from asiolike.beast import http
from asiolike.beast.core.detect_ssl import is_tls_client_hello
from asiolike.ip import make_address, tcp
from tests.ssl.pki import TestPKI, make_test_pki

BOUND = 10.0
LOOPBACK = make_address("127.0.0.1")


def tcp_pair(ioc: net.io_context) -> tuple[tcp.socket, tcp.socket]:
    acceptor = tcp.acceptor(ioc, tcp.endpoint(LOOPBACK, 0))
    client = tcp.socket(ioc)
    client.connect(acceptor.local_endpoint())
    server = acceptor.accept()
    acceptor.close()
    return client, server


def run(ioc: net.io_context) -> None:
    ioc.run_for(BOUND)
    assert ioc.stopped(), f"still busy after {BOUND} s: {ioc!r}"


class upload_server:
    """Reads one request header, opens the target file, reads the body into it."""

    def __init__(self, stream: Any, folder: Path) -> None:
        self.stream = stream
        self.folder = folder
        self.buffer = beast.flat_buffer()
        self.parser = http.request_parser(http.file_body)
        self.parser.body_limit(None)
        self.results: list[Any] = []

    def run(self) -> None:
        http.async_read_header(self.stream, self.buffer, self.parser, self.on_header)

    def on_header(self, ec: net.error_code, n: int) -> None:
        if ec:
            self.results.append(ec)
            return
        req = self.parser.get()
        req.body.open(self.folder / req.target().lstrip("/"), beast.file_mode.write)
        http.async_read(self.stream, self.buffer, self.parser, self.on_read)

    def on_read(self, ec: net.error_code, n: int) -> None:
        self.parser.get().body.close()
        self.results.append(ec)


def upload(client: Any, server: Any, ioc: net.io_context, src: Path, folder: Path) -> Any:
    req = http.request[http.file_body](http.verb.put, "/" + src.name + ".up", 11)
    req.body.open(src, beast.file_mode.scan)
    req.prepare_payload()
    sent: list[Any] = []
    http.async_write(client, req, lambda ec, n: sent.append((ec, n)))
    srv = upload_server(server, folder)
    srv.run()
    run(ioc)
    return sent, srv.results


def test_upload_over_tcp_uses_sendfile_and_arrives_whole(tmp_path: Path) -> None:
    src = tmp_path / "data.bin"
    content = os.urandom(3 << 20)
    src.write_bytes(content)
    with net.io_context() as ioc:
        client, server = tcp_pair(ioc)
        sent, got = upload(client, server, ioc, src, tmp_path)
        assert got == [net.error_code()] and not sent[0][0]
        assert sent[0][1] > len(content)
        assert (tmp_path / "data.bin.up").read_bytes() == content
        client.close()
        server.close()


def test_upload_over_a_test_stream_reads_the_file_piece_by_piece(tmp_path: Path) -> None:
    # Not a socket: no sendfile, the serializer's pieces go through write_some.
    src = tmp_path / "data.bin"
    content = os.urandom(300_000)
    src.write_bytes(content)
    with net.io_context() as ioc:
        client = testing.stream(ioc)
        server = testing.stream(ioc)
        client.connect(server)
        client.write_size(10_000)
        sent, got = upload(client, server, ioc, src, tmp_path)
        assert got == [net.error_code()] and not sent[0][0]
        assert (tmp_path / "data.bin.up").read_bytes() == content


def test_sync_write_and_read_of_a_file_body(tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_bytes(b"0123456789" * 50_000)
    with net.io_context() as ioc:
        client, server = tcp_pair(ioc)
        res = http.response[http.file_body](http.status.ok, 11)
        res.body.open(src, beast.file_mode.scan)
        res.prepare_payload()
        gen = http.message_generator(res)
        assert gen.keep_alive()
        writer = threading.Thread(target=beast.write, args=(client, gen))
        writer.start()
        p = http.response_parser(http.file_body)
        buffer = beast.flat_buffer()
        http.read_header(server, buffer, p)
        p.get().body.open(tmp_path / "b.txt", beast.file_mode.write)
        http.read(server, buffer, p)
        writer.join(BOUND)
        p.get().body.close()
        assert (tmp_path / "b.txt").read_bytes() == src.read_bytes()
        client.close()
        server.close()


def test_a_peer_gone_mid_upload_leaves_only_the_users_file(tmp_path: Path) -> None:
    with net.io_context() as ioc:
        client, server = tcp_pair(ioc)
        client.write_some(b"PUT /part HTTP/1.1\r\nContent-Length: 100000\r\n\r\n" + b"x" * 5000)
        client.close()
        srv = upload_server(server, tmp_path)
        srv.run()
        run(ioc)
        assert srv.results == [http.error.partial_message]
        assert (tmp_path / "part").read_bytes() == b"x" * 5000
        assert not srv.parser.get().body.is_open()
        server.close()


def test_a_file_that_cannot_be_read_fails_the_write(tmp_path: Path) -> None:
    src = tmp_path / "shrinks"
    src.write_bytes(b"y" * 200_000)
    with net.io_context() as ioc:
        client = testing.stream(ioc)
        server = testing.stream(ioc)
        client.connect(server)
        res = http.response[http.file_body](http.status.ok, 11)
        res.body.open(src, beast.file_mode.scan)
        res.prepare_payload()
        os.truncate(src, 1000)  # shorter than its Content-Length now
        got: list[Any] = []
        http.async_write(client, res, lambda ec, n: got.append(ec))
        run(ioc)
        assert got == [http.error.short_read]


# -- detect_ssl and the buffered handshake -------------------------------------------------


def test_is_tls_client_hello() -> None:
    assert is_tls_client_hello(b"") is None
    assert is_tls_client_hello(b"G") is False
    assert is_tls_client_hello(b"\x16") is None
    assert is_tls_client_hello(b"\x16\x03\x01\x02") is None
    assert is_tls_client_hello(b"\x16\x03\x01\x00\x05\x01") is False  # too short a record
    assert is_tls_client_hello(b"\x16\x03\x01\x02\x00") is None
    assert is_tls_client_hello(b"\x16\x03\x01\x02\x00\x01") is True
    assert is_tls_client_hello(b"\x16\x03\x01\x02\x00\x02") is False


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    return make_test_pki(str(tmp_path_factory.mktemp("pki")))


def test_detect_ssl_plain_client_keeps_its_octets() -> None:
    with net.io_context() as ioc:
        client, server = tcp_pair(ioc)
        client.write_some(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        buffer = beast.flat_buffer()
        got: list[Any] = []
        beast.async_detect_ssl(server, buffer, lambda ec, tls: got.append((ec, tls)))
        assert not got
        run(ioc)
        assert got == [(net.error_code(), False)]
        assert bytes(buffer.data()).startswith(b"G")
        req = http.request()
        http.read(server, buffer, req)
        assert req.target() == "/"
        client.close()
        beast.async_detect_ssl(server, beast.flat_buffer(), lambda ec, tls: got.append((ec, tls)))
        ioc.restart()
        run(ioc)
        assert got[-1] == (net.error.eof, False)
        server.close()


def test_detect_ssl_then_buffered_handshake(pki: TestPKI) -> None:
    server_ctx = ssl.context(ssl.context.tls_server)
    server_ctx.use_certificate_chain_file(pki.server_cert)
    server_ctx.use_private_key_file(pki.server_key, ssl.context.pem)
    client_ctx = ssl.context(ssl.context.tls_client)
    client_ctx.set_verify_mode(ssl.verify_peer)
    client_ctx.load_verify_file(pki.ca)
    with net.io_context() as ioc:
        client_sock, server_sock = tcp_pair(ioc)
        client = ssl.stream(client_sock, client_ctx)
        client.set_verify_callback(ssl.host_name_verification("localhost"))
        steps: list[Any] = []
        buffer = beast.flat_buffer()
        holder: list[Any] = []

        def on_detect(ec: net.error_code, tls: bool) -> None:
            steps.append(("detect", ec, tls))
            server = ssl.stream(server_sock, server_ctx)
            holder.append(server)
            server.async_handshake(ssl.stream_base.server, buffer.data(), on_handshake)

        def on_handshake(ec: net.error_code, used: int) -> None:
            steps.append(("handshake", ec, used == buffer.size()))
            buffer.consume(used)
            req = http.request()
            http.async_read(holder[0], buffer, req, lambda ec, n: steps.append(("read", ec)))

        def on_client_handshake(ec: net.error_code) -> None:
            steps.append(("client", ec))
            req = http.request(http.verb.get, "/", 11)
            req.set(http.field.host, "localhost")
            http.async_write(client, req, lambda ec, n: steps.append(("write", ec)))

        client.async_handshake(ssl.stream_base.client, on_client_handshake)
        beast.async_detect_ssl(server_sock, buffer, on_detect)
        run(ioc)
        ok = net.error_code()
        assert steps[0] == ("detect", ok, True)
        assert ("handshake", ok, True) in steps and ("client", ok) in steps
        assert ("read", ok) in steps and ("write", ok) in steps
        client_sock.close()
        server_sock.close()


# -- 100 MiB through file_body with bounded memory ------------------------------------------

_BIG = textwrap.dedent(
    """
    import os, sys
    import asiolike as net
    from asiolike import beast
    from asiolike.beast import http
    from asiolike.ip import make_address, tcp

    def hwm():
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024

    folder = sys.argv[1]
    size = 100 << 20
    src = os.path.join(folder, "big.bin")
    with open(src, "wb") as f:
        block = os.urandom(1 << 20)
        for _ in range(100):
            f.write(block)
    ioc = net.io_context()
    acceptor = tcp.acceptor(ioc, tcp.endpoint(make_address("127.0.0.1"), 0))
    client = tcp.socket(ioc)
    client.connect(acceptor.local_endpoint())
    server = acceptor.accept()
    start = hwm()
    results = []

    class session:
        def __init__(self):
            self.buffer = beast.flat_buffer()
            self.parser = http.request_parser(http.file_body)
            self.parser.body_limit(None)

        def run(self):
            http.async_read_header(server, self.buffer, self.parser, self.on_header)

        def on_header(self, ec, n):
            self.parser.get().body.open(os.path.join(folder, "up.bin"), beast.file_mode.write)
            http.async_read(server, self.buffer, self.parser, self.on_body)

        def on_body(self, ec, n):
            results.append(("upload read", ec.name()))
            self.parser.get().body.close()
            res = http.response[http.file_body](http.status.ok, 11)
            res.body.open(os.path.join(folder, "up.bin"), beast.file_mode.scan)
            res.prepare_payload()
            beast.async_write(server, http.message_generator(res), self.on_sent)

        def on_sent(self, ec, n):
            results.append(("download write", ec.name(), n))

    class fetch:
        def __init__(self):
            self.buffer = beast.flat_buffer()
            self.parser = http.response_parser(http.file_body)
            self.parser.body_limit(None)

        def on_uploaded(self, ec, n):
            results.append(("upload write", ec.name(), n))
            http.async_read_header(client, self.buffer, self.parser, self.on_header)

        def on_header(self, ec, n):
            self.parser.get().body.open(os.path.join(folder, "down.bin"), beast.file_mode.write)
            http.async_read(client, self.buffer, self.parser, self.on_body)

        def on_body(self, ec, n):
            self.parser.get().body.close()
            results.append(("download read", ec.name()))

    req = http.request[http.file_body](http.verb.put, "/big", 11)
    req.body.open(src, beast.file_mode.scan)
    req.prepare_payload()
    session().run()
    http.async_write(client, req, fetch().on_uploaded)
    ioc.run_for(60)
    peak = hwm() - start
    same = os.path.getsize(os.path.join(folder, "down.bin")) == size
    with open(src, "rb") as a, open(os.path.join(folder, "down.bin"), "rb") as b:
        for offset in (0, size // 3, size - 4096):
            a.seek(offset); b.seek(offset)
            same = same and a.read(4096) == b.read(4096)
    print(results, peak, same)
    sys.exit(0 if same and peak < (32 << 20) and len(results) == 4 else 1)
    """
)


def test_100_mib_up_and_down_through_file_body_in_bounded_memory(tmp_path: Path) -> None:
    # In a process of its own, so that the peak resident size is this transfer's alone.
    proc = subprocess.run(
        [sys.executable, "-c", _BIG, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "'success'" in proc.stdout


def test_buffer_body_async_write_and_read_report_need_buffer() -> None:
    # Beast's relay, asynchronous: each completion with need_buffer asks for the next piece.
    pieces = [b"a" * 3000, b"b" * 5, b"c" * 70_000]
    with net.io_context() as ioc:
        client, server = tcp_pair(ioc)
        res = http.response(http.status.ok, 11, body_type=http.buffer_body)
        res.prepare_payload()  # chunked: the size is not known
        sr = http.serializer(res)
        events: list[Any] = []
        queue = list(pieces)

        def on_write(ec: net.error_code, n: int) -> None:
            events.append(("write", ec.name() if ec else "success"))
            if ec and ec != http.error.need_buffer:
                return
            if sr.is_done():
                return
            if queue:
                piece = queue.pop(0)
                res.body.data, res.body.size, res.body.more = piece, len(piece), True
            else:
                res.body.data, res.body.more = None, False
            http.async_write(client, sr, on_write)

        http.async_write_header(client, sr, on_write)

        p = http.response_parser(http.buffer_body)
        buffer = beast.flat_buffer()
        got = bytearray()
        room = bytearray(4096)

        def read_more() -> None:
            p.get().body.data, p.get().body.size = room, len(room)
            http.async_read(server, buffer, p, on_read)

        def on_read(ec: net.error_code, n: int) -> None:
            got.extend(room[: len(room) - p.get().body.size])
            if ec == http.error.need_buffer:
                return read_more()
            events.append(("read", ec.name() if ec else "success"))

        http.async_read_header(server, buffer, p, lambda ec, n: read_more())
        run(ioc)
        assert got == b"".join(pieces)
        assert ("read", "success") in events
        writes = [e[1] for e in events if e[0] == "write"]
        # The header, then each piece out (need_buffer: the next one), then the last chunk.
        assert writes == ["success", *["need_buffer"] * len(pieces), "success"]
        client.close()
        server.close()


@pytest.mark.parametrize("sync", [False, True])
def test_a_full_socket_sends_small_pieces_then_sendfile_again(
    tmp_path: Path, sync: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from asiolike.beast.http import _write_op

    waits: list[int] = []
    real = _write_op.wait_piece

    def counted(sr: Any) -> Any:
        got = real(sr)
        if got[0] is not None:
            waits.append(len(got[0]))
        return got

    monkeypatch.setattr(_write_op, "wait_piece", counted)
    content = os.urandom(2 << 20)
    (tmp_path / "f").write_bytes(content)
    with net.io_context() as ioc:
        client, server = tcp_pair(ioc)
        # A small send buffer fills at once (the receiver's is left alone: shrinking it on
        # an open connection makes the kernel stall the transfer).
        client.set_option(net.socket_base.send_buffer_size(8192))
        res = http.response[http.file_body](http.status.ok, 11)
        res.body.open(tmp_path / "f", beast.file_mode.scan)
        res.prepare_payload()
        results: list[Any] = []
        if sync:
            writer = threading.Thread(target=lambda: results.append(http.write(client, res)))
            writer.start()
        else:
            http.async_write(client, res, lambda ec, n: results.append((ec, n)))
        p = http.response_parser(http.vector_body)
        p.body_limit(None)
        buffer = beast.flat_buffer()
        http.async_read(server, buffer, p, lambda ec, n: results.append(ec))
        run(ioc)
        if sync:
            writer.join(BOUND)
        assert bytes(p.get().body) == content
        assert waits and max(waits) <= _write_op.WAIT_PIECE  # the socket was full
        client.close()
        server.close()


def test_read_into_a_message_keeps_its_open_file(tmp_path: Path) -> None:
    # Beast's read(stream, buffer, msg) builds its parser from msg: the file opened
    # beforehand receives the body.
    with net.io_context() as ioc:
        client, server = tcp_pair(ioc)
        client.write_some(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
        res = http.response[http.file_body]()
        res.body.open(tmp_path / "got", beast.file_mode.write)
        got: list[Any] = []
        http.async_read(server, beast.flat_buffer(), res, lambda ec, n: got.append(ec))
        run(ioc)
        assert got == [net.error_code()] and res.result_int() == 200
        res.body.close()
        assert (tmp_path / "got").read_bytes() == b"hello"
        client.close()
        server.close()


def test_detect_ssl_and_buffered_handshake_blocking(pki: TestPKI) -> None:
    server_ctx = ssl.context(ssl.context.tls_server)
    server_ctx.use_certificate_chain_file(pki.server_cert)
    server_ctx.use_private_key_file(pki.server_key, ssl.context.pem)
    client_ctx = ssl.context(ssl.context.tls_client)
    client_ctx.set_verify_mode(ssl.verify_peer)
    client_ctx.load_verify_file(pki.ca)
    with net.io_context() as ioc:
        client_sock, server_sock = tcp_pair(ioc)
        client = ssl.stream(client_sock, client_ctx)
        client.set_verify_callback(ssl.host_name_verification("localhost"))
        hello = threading.Thread(target=client.handshake, args=(ssl.stream_base.client,))
        hello.start()
        buffer = beast.flat_buffer()
        assert beast.detect_ssl(server_sock, buffer) is True
        server = ssl.stream(server_sock, server_ctx)
        used = server.handshake(ssl.stream_base.server, buffer.data())
        assert used == buffer.size() > 0
        buffer.consume(used)
        hello.join(BOUND)
        client.write_some(b"over TLS")
        got = bytearray(16)
        assert bytes(got[: server.read_some(got)]) == b"over TLS"
        client_sock.close()
        server_sock.close()

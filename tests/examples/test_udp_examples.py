"""The UDP, multicast, daytime, POSIX chat and multiprocess WebSocket examples, run for real.

Servers run as subprocesses and print ``listening on HOST:PORT``; they are given a count
(``--datagrams``, ``--requests``, ``--messages``, ``--connections``) so that they exit on
their own, with status 0 and an empty stderr. Clients run in-process through their
``main(argv)`` (bounded by a thread join) or as subprocesses when they read standard
input. The peers on the test side are the standard library's ``socket`` and the
``websockets`` library. No sleeps: every wait is bounded by ``select`` or a timeout.
"""

from __future__ import annotations

import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from websockets.sync.client import connect as ws_connect

from examples import (
    daytime4_udp_client,
    daytime5_udp_server_sync,
    daytime6_udp_server_async,
    multicast_receiver,
    multicast_sender,
    udp_echo_client_blocking,
    udp_echo_server_async,
)
from tests.test_examples import (
    BOUND,
    ENV,
    EXAMPLES,
    _read_line,
    connect,
    frame,
    read_frame,
    run_main,
    server,
)

CTIME = re.compile(r"[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}\n")


def _udp(port: int, payload: bytes, size: int = 2048) -> bytes:
    """Send one datagram to 127.0.0.1:port and return the reply (bounded)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(BOUND)
        s.sendto(payload, ("127.0.0.1", port))
        return s.recv(size)


def _client(script: str, *args: str, stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        input=stdin,
        capture_output=True,
        timeout=BOUND,
        env=ENV,
        check=False,
    )


# -- UDP echo -----------------------------------------------------------------------------


def test_udp_echo_server_and_blocking_client() -> None:
    with server("udp_echo_server_async.py", "0", "--datagrams", "3") as srv:
        out = _client("udp_echo_client_blocking.py", "127.0.0.1", str(srv.port), stdin=b"hello\n")
        assert (out.returncode, out.stdout, out.stderr) == (
            0,
            b"Enter message: Reply is: hello\n",
            b"",
        )
        # A zero-length datagram is not echoed (bytes_recvd > 0, as in the C++), and does
        # not count; a datagram longer than max_length comes back cut to 1024 bytes.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(BOUND)
            s.sendto(b"", ("127.0.0.1", srv.port))
            s.sendto(bytes(range(256)) * 8, ("127.0.0.1", srv.port))
            assert s.recv(4096) == (bytes(range(256)) * 8)[:1024]
        assert _udp(srv.port, b"last") == b"last"
        assert srv.finish() == (0, b"", b"")


def test_udp_echo_command_lines(capsys: pytest.CaptureFixture[str]) -> None:
    assert udp_echo_server_async.main(["--help"]) == 0
    assert capsys.readouterr().out.startswith("usage: ")
    assert udp_echo_server_async.main(["not-a-port"]) == 1
    assert udp_echo_server_async.main(["0", "--address", "not-an-address"]) == 1
    capsys.readouterr()
    assert udp_echo_client_blocking.main(["127.0.0.1"]) == 1
    assert capsys.readouterr().err.startswith("Usage: ")


# -- daytime 4, 5, 6 ----------------------------------------------------------------------


@pytest.mark.parametrize("script", ["daytime5_udp_server_sync.py", "daytime6_udp_server_async.py"])
def test_daytime_servers_answer_the_udp_client(
    script: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with server(script, "0", "--requests", "2") as srv:
        assert run_main(daytime4_udp_client.main, ["127.0.0.1", str(srv.port)]) == 0
        first = capsys.readouterr()
        assert CTIME.fullmatch(first.out) and first.err == ""
        assert CTIME.fullmatch(_udp(srv.port, b"\0").decode())
        assert srv.finish() == (0, b"", b"")


def test_daytime_command_lines(capsys: pytest.CaptureFixture[str]) -> None:
    assert daytime4_udp_client.main([]) == 1
    assert capsys.readouterr().err.startswith("Usage: client <host>")
    assert daytime4_udp_client.main(["127.0.0.1", "no-such-service-name"]) == 1
    assert capsys.readouterr().err != ""
    for example in (daytime5_udp_server_sync, daytime6_udp_server_async):
        assert example.main(["--help"]) == 0
        assert capsys.readouterr().out.startswith("usage: ")
        assert example.main(["0", "--address", "::1::"]) == 1


# -- multicast ----------------------------------------------------------------------------


def test_multicast_sender_to_receiver_on_loopback() -> None:
    group = f"239.255.{random.randrange(256)}.{random.randrange(1, 255)}"
    proc = subprocess.Popen(
        [
            sys.executable,
            str(EXAMPLES / "multicast_receiver.py"),
            "0.0.0.0",
            group,
            "--port",
            "0",
            "--interface",
            "127.0.0.1",
            "--messages",
            "10",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,
        env=ENV,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline() if proc.poll() is None else b""
        if not line.startswith(b"listening on "):
            _, err = proc.communicate(timeout=BOUND)
            pytest.skip(f"the kernel refuses multicast on loopback here: {err.decode()}")
        port = int(line.rsplit(b":", 1)[1])
        argv = [group, "--port", str(port), "--interval", "0.01", "--interface", "127.0.0.1"]
        assert run_main(multicast_sender.main, argv) == 0
        out, err = proc.communicate(timeout=BOUND)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert (proc.returncode, err) == (0, b"")
    assert out.decode().splitlines() == [f"Message {i}" for i in range(10)]


def test_multicast_command_lines(capsys: pytest.CaptureFixture[str]) -> None:
    for example in (multicast_receiver, multicast_sender):
        assert example.main(["--help"]) == 0
        assert capsys.readouterr().out.startswith("usage: ")
    assert multicast_receiver.main(["0.0.0.0", "not-an-address"]) == 1
    assert multicast_sender.main(["239.255.0.1", "--interface", "nowhere"]) == 1


# -- the POSIX chat client ----------------------------------------------------------------


def test_posix_chat_client_through_a_chat_server() -> None:
    with server("chat_server.py", "0", "--connections", "2") as srv, connect(srv.port) as a:
        a.sendall(frame("hello from A"))
        assert read_frame(a) == b"hello from A"
        client = subprocess.Popen(
            [sys.executable, str(EXAMPLES / "posix_chat_client.py"), "127.0.0.1", str(srv.port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=0,
            env=ENV,
        )
        try:
            # The room's history arrives on the client's standard output.
            assert _read_line(client.stdout, "posix chat client") == b"hello from A\n"
            assert client.stdin is not None
            client.stdin.write("from stdin, ça va?\n".encode())
            assert read_frame(a) == "from stdin, ça va?".encode()
            assert _read_line(client.stdout, "posix chat client") == "from stdin, ça va?\n".encode()
            # A line longer than a body (512 bytes) goes out in two messages.
            long_line = b"x" * 600
            client.stdin.write(long_line + b"\n")
            assert read_frame(a) == long_line[:512]
            assert read_frame(a) == long_line[512:]
            a.sendall(frame("bye"))
            # End of input: the client closes everything and exits.
            client.stdin.close()
            client.wait(timeout=BOUND)
            assert client.stdout is not None and client.stderr is not None
            out, err = client.stdout.read(), client.stderr.read()
        finally:
            if client.poll() is None:
                client.kill()
                client.wait()
            for pipe in (client.stdin, client.stdout, client.stderr):
                if pipe is not None:
                    pipe.close()
        assert client.returncode == 0 and err == b""
        # What the room sent after the last line read: the echoes of the long line, then
        # "bye"; the end of input may close the client before all of it arrived.
        assert (long_line[:512] + b"\n" + long_line[512:] + b"\nbye\n").startswith(out)
        a.close()
        assert srv.finish() == (0, b"", b"")


def test_posix_chat_client_usage() -> None:
    out = _client("posix_chat_client.py", "127.0.0.1", stdin=b"")
    assert out.returncode == 1 and out.stderr.startswith(b"Usage: ")


# -- one io_context per process -----------------------------------------------------------


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()]


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _start_multiprocess(processes: int) -> tuple[subprocess.Popen[bytes], int]:
    proc = subprocess.Popen(
        [
            sys.executable,
            str(EXAMPLES / "websocket_server_multiprocess.py"),
            "127.0.0.1",
            "0",
            str(processes),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,
        env=ENV,
    )
    line = _read_line(proc.stdout, "websocket_server_multiprocess")
    m = re.fullmatch(rb"listening on 127\.0\.0\.1:(\d+)\n", line)
    assert m is not None, line
    return proc, int(m.group(1))


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_multiprocess_server_spreads_connections_and_stops_cleanly(stop: int) -> None:
    proc, port = _start_multiprocess(2)
    try:
        workers = _children(proc.pid)
        assert len(workers) == 2
        seen: dict[str, int] = {}
        for i in range(24):
            with ws_connect(f"ws://127.0.0.1:{port}/", open_timeout=BOUND) as ws:
                ws.send(f"message {i}")
                assert ws.recv(timeout=BOUND) == f"message {i}"
                name = ws.response.headers["Server"].rsplit(" ", 2)[-2:]
                seen[" ".join(name)] = seen.get(" ".join(name), 0) + 1
        # SO_REUSEPORT spreads connections by their addresses: 24 all on one worker
        # would happen once in 2**23 runs.
        assert sorted(seen) == ["worker 1", "worker 2"]
        proc.send_signal(stop)
        out, err = proc.communicate(timeout=BOUND)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert (proc.returncode, out, err) == (0, b"", b"")
    assert all(_gone(pid) for pid in workers)


def test_multiprocess_server_stops_when_a_worker_dies() -> None:
    proc, _port = _start_multiprocess(2)
    try:
        workers = _children(proc.pid)
        os.kill(workers[0], signal.SIGKILL)
        proc.communicate(timeout=BOUND)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 1
    deadline = time.monotonic() + BOUND
    while not all(_gone(pid) for pid in workers) and time.monotonic() < deadline:
        os.sched_yield()
    assert all(_gone(pid) for pid in workers)


def test_multiprocess_server_usage_and_a_port_in_use() -> None:
    out = _client("websocket_server_multiprocess.py", "127.0.0.1", "0", stdin=b"")
    assert out.returncode == 1 and out.stderr.startswith(b"Usage: ")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        out = _client("websocket_server_multiprocess.py", "127.0.0.1", str(port), "1", stdin=b"")
    assert out.returncode == 1 and b"in use" in out.stderr


def test_multiprocess_server_stop_signal_during_startup_is_not_lost() -> None:
    # SIGTERM before the processes are set up is held until they are: the server still
    # stops cleanly, and no worker is left behind (its process group ends empty).
    proc = subprocess.Popen(
        [sys.executable, str(EXAMPLES / "websocket_server_multiprocess.py"), "127.0.0.1", "0", "2"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=ENV,
        start_new_session=True,
    )
    try:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=BOUND)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert err == b"" and proc.returncode in (0, -signal.SIGTERM), (proc.returncode, err)
    deadline = time.monotonic() + BOUND
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        os.sched_yield()
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)

"""posix.stream_descriptor: pipes both ways, EOF, terminals, standard input, the algorithms,
and every operation against rules R1-R10.

Real pipes, a pseudo-terminal and a child process; every run is bounded; no sleeps.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import asiolike
from asiolike import error, posix, socket_base
from tests.ip.recorder import Recorder

Pipe = Callable[[], tuple[posix.stream_descriptor, posix.stream_descriptor]]


@pytest.fixture
def pipe(ioc: asiolike.io_context) -> Iterator[Pipe]:
    """``pipe()`` -> ``(reader, writer)``: the two ends of ``os.pipe()``, closed after the test."""
    made: list[posix.stream_descriptor] = []

    def make() -> tuple[posix.stream_descriptor, posix.stream_descriptor]:
        r, w = os.pipe()
        ends = posix.stream_descriptor(ioc, r), posix.stream_descriptor(ioc, w)
        made.extend(ends)
        return ends

    try:
        yield make
    finally:
        for d in made:
            d.close()


def _fill(writer: posix.stream_descriptor) -> int:
    """Write into the pipe until it is full; returns how many bytes."""
    total = 0
    writer.non_blocking(True)
    try:
        while True:
            try:
                total += writer.write_some(b"\0" * 65536)
            except asiolike.system_error as exc:
                assert exc.code == error.would_block
                return total
    finally:
        writer.non_blocking(False)


# -- pipes, EOF, the algorithms -------------------------------------------------------------


@pytest.mark.parametrize("chunk", [1, 65536])
def test_a_pipe_both_ways_with_small_and_large_writes(
    ioc: asiolike.io_context, pipe: Pipe, run_ioc: Any, chunk: int
) -> None:
    total = 256 * 1024 if chunk > 1 else 4096
    data = bytes(i * 7 % 251 for i in range(total))
    results: dict[str, bytes] = {}

    def direction(name: str) -> None:
        reader, writer = pipe()
        got = bytearray()
        buf = bytearray(70000)
        sent = 0

        def write_next() -> None:
            writer.async_write_some(data[sent : sent + chunk], on_write)

        def on_write(ec: error.error_code, n: int) -> None:
            nonlocal sent
            assert not ec and n > 0
            sent += n
            if sent < total:
                write_next()
            else:
                writer.close()

        def on_read(ec: error.error_code, n: int) -> None:
            if ec:
                assert ec == error.eof
                results[name] = bytes(got)
                return
            got.extend(buf[:n])
            reader.async_read_some(buf, on_read)

        write_next()
        reader.async_read_some(buf, on_read)

    direction("there")
    direction("back")
    run_ioc(ioc, timeout=20)
    assert results == {"there": data, "back": data}


def test_eof_on_a_pipe_async_and_sync(ioc: asiolike.io_context, pipe: Pipe, run_ioc: Any) -> None:
    reader, writer = pipe()
    writer.write_some(b"last")
    writer.close()
    buf = bytearray(16)
    seen: list[tuple[error.error_code, int]] = []

    def on_read(ec: error.error_code, n: int) -> None:
        seen.append((ec, n))
        if not ec:
            reader.async_read_some(buf, on_read)

    reader.async_read_some(buf, on_read)
    run_ioc(ioc)
    assert seen == [(error.success, 4), (error.eof, 0)]
    with pytest.raises(asiolike.system_error) as info:
        reader.read_some(buf)
    assert info.value.code == error.eof


def test_async_read_async_write_and_read_until(
    ioc: asiolike.io_context, pipe: Pipe, run_ioc: Any
) -> None:
    reader, writer = pipe()
    line = asiolike.dynamic_buffer(bytearray())
    exact = bytearray(5)
    events: list[Any] = []

    def on_line(ec: error.error_code, n: int) -> None:
        events.append(("line", ec, bytes(line.data()[:n])))
        line.consume(n)
        asiolike.async_read(reader, exact, lambda ec, n: events.append(("exact", ec, n)))
        asiolike.async_write(
            writer, [b"ab", b"cde"], lambda ec, n: events.append(("gather", ec, n))
        )

    asiolike.async_read_until(reader, line, b"\n", on_line)
    asiolike.async_write(writer, b"first line\n", lambda ec, n: events.append(("write", ec, n)))
    run_ioc(ioc)
    assert events[:2] == [("write", error.success, 11), ("line", error.success, b"first line\n")]
    assert sorted(events[2:]) == [("exact", error.success, 5), ("gather", error.success, 5)]
    assert exact == b"abcde"


def test_scatter_and_gather(ioc: asiolike.io_context, pipe: Pipe, run_ioc: Any) -> None:
    reader, writer = pipe()
    assert writer.write_some([b"head", bytearray(b"-"), memoryview(b"tail")]) == 9
    first, second = bytearray(4), bytearray(8)
    h = Recorder()
    reader.async_read_some([first, second], h)
    h.started()
    run_ioc(ioc)
    assert h.once == (error.success, 9)
    assert bytes(first + second[:5]) == b"head-tail"
    a, b = bytearray(2), bytearray(2)
    writer.write_some(b"wxyz")
    assert reader.read_some([a, b]) == 4 and a + b == b"wxyz"


# -- R1 never inline, R2 exactly once, R3 work ----------------------------------------------


def test_r1_results_known_at_once_are_queued(
    ioc: asiolike.io_context, pipe: Pipe, run_ioc: Any
) -> None:
    reader, writer = pipe()
    writer.write_some(b"ready")
    r, w, zr, zw, wait = Recorder(), Recorder(), Recorder(), Recorder(), Recorder()
    reader.async_read_some(bytearray(8), r)
    writer.async_write_some(b"more", w)
    reader.async_read_some(bytearray(), zr)
    writer.async_write_some(b"", zw)
    writer.async_wait(posix.stream_descriptor.wait_write, wait)
    for h in (r, w, zr, zw, wait):
        h.started()
    assert ioc.has_outstanding_work()
    run_ioc(ioc)
    assert r.once == (error.success, 5)
    assert w.once == (error.success, 4)
    assert zr.once == (error.success, 0)
    assert zw.once == (error.success, 0)
    assert wait.once == (error.success,)


def test_r1_r5_operations_on_a_closed_descriptor(ioc: asiolike.io_context, run_ioc: Any) -> None:
    d = posix.stream_descriptor(ioc)
    assert not d.is_open() and d.native_handle() == -1
    handlers = [Recorder() for _ in range(4)]
    d.async_read_some(bytearray(4), handlers[0])
    d.async_write_some(b"data", handlers[1])
    d.async_wait(posix.descriptor_base.wait_read, handlers[2])
    d.async_read_some(bytearray(), handlers[3])
    for h in handlers:
        h.started()
    run_ioc(ioc)
    assert handlers[0].once == (error.bad_descriptor, 0)
    assert handlers[1].once == (error.bad_descriptor, 0)
    assert handlers[2].once == (error.bad_descriptor,)
    assert handlers[3].once == (error.bad_descriptor, 0)
    for call in (
        lambda: d.read_some(bytearray(1)),
        lambda: d.write_some(b"x"),
        d.cancel,
        d.release,
        lambda: d.wait(posix.wait_read),
    ):
        with pytest.raises(asiolike.system_error) as info:
            call()
        assert info.value.code == error.bad_descriptor


def test_r2_r3_pending_read_write_and_wait_are_work_and_abort_once(
    ioc: asiolike.io_context, pipe: Pipe, run_ioc: Any
) -> None:
    _, writer = pipe()
    _fill(writer)
    r, w, wait = Recorder(), Recorder(), Recorder()
    reader2, _ = pipe()
    reader2.async_read_some(bytearray(4), r)
    writer.async_write_some(b"y" * 1000, w)
    reader2.async_wait(posix.stream_descriptor.wait_read, wait)
    for h in (r, w, wait):
        h.started()
    assert ioc.poll() == 0 and ioc.has_outstanding_work()
    reader2.cancel()
    writer.close()
    writer.close()
    run_ioc(ioc)
    assert r.once == (error.operation_aborted, 0)
    assert w.once == (error.operation_aborted, 0)
    assert wait.once == (error.operation_aborted,)


def test_r2_close_after_the_completion_was_queued(
    ioc: asiolike.io_context, pipe: Pipe, run_ioc: Any
) -> None:
    reader, writer = pipe()
    writer.write_some(b"data")
    h = Recorder()
    reader.async_read_some(bytearray(8), h)
    h.started()
    reader.close()
    run_ioc(ioc)
    assert h.once == (error.success, 4)


def test_r3_a_pending_read_keeps_run_going(
    ioc: asiolike.io_context, pipe: Pipe, run_ioc: Any
) -> None:
    reader, writer = pipe()
    order: list[str] = []
    reader.async_read_some(bytearray(8), lambda ec, n: order.append(f"read {n}"))
    timer = asiolike.steady_timer(ioc, 0.01)

    def on_timer(ec: error.error_code) -> None:
        order.append("timer")
        writer.write_some(b"late")

    timer.async_wait(on_timer)
    run_ioc(ioc)
    assert order == ["timer", "read 4"]


# -- R4, R5, R6, R7 -------------------------------------------------------------------------


def test_r4_a_handler_exception_propagates_and_run_continues(
    ioc: asiolike.io_context, pipe: Pipe, run_ioc: Any
) -> None:
    reader, writer = pipe()
    seen: list[int] = []

    def boom(ec: error.error_code, n: int) -> None:
        raise ZeroDivisionError("from the handler")

    reader.async_read_some(bytearray(2), boom)
    reader.async_read_some(bytearray(8), lambda ec, n: seen.append(n))
    writer.write_some(b"abcdef")
    with pytest.raises(ZeroDivisionError):
        ioc.run_for(5)
    run_ioc(ioc)
    assert seen == [4]


def test_r5_broken_pipe_async_and_sync(ioc: asiolike.io_context, pipe: Pipe, run_ioc: Any) -> None:
    reader, writer = pipe()
    reader.close()
    h = Recorder()
    writer.async_write_some(b"nobody reads", h)
    h.started()
    run_ioc(ioc)
    assert h.once == (error.broken_pipe, 0)
    with pytest.raises(asiolike.system_error) as info:
        writer.write_some(b"still nobody")
    assert info.value.code == error.broken_pipe
    assert isinstance(info.value, OSError)


def test_r6_misuse_raises_at_once(ioc: asiolike.io_context, pipe: Pipe) -> None:
    reader, writer = pipe()
    with pytest.raises(TypeError, match="writable"):
        reader.async_read_some(b"read-only", lambda ec, n: None)
    with pytest.raises(TypeError, match="bytes-like"):
        writer.async_write_some("text", lambda ec, n: None)
    with pytest.raises(TypeError, match="completion"):
        writer.async_write_some(b"x", "not a handler")
    with pytest.raises(ValueError):
        reader.async_wait(7, lambda ec: None)  # type: ignore[arg-type]
    with pytest.raises(asiolike.system_error) as info:
        reader.assign(writer.native_handle())
    assert info.value.code == error.already_open
    with pytest.raises(TypeError):
        posix.stream_descriptor(ioc, "0")  # type: ignore[arg-type]
    assert not ioc.has_outstanding_work()


def test_r6_assign_of_a_closed_descriptor_is_bad_descriptor(ioc: asiolike.io_context) -> None:
    r, w = os.pipe()
    os.close(r)
    os.close(w)
    with pytest.raises(asiolike.system_error) as info:
        posix.stream_descriptor(ioc, r)
    assert info.value.code == error.bad_descriptor
    d = posix.stream_descriptor(ioc)
    with pytest.raises(asiolike.system_error) as info:
        d.assign(w)
    assert info.value.code == error.bad_descriptor
    assert not d.is_open()


def test_r7_handlers_run_in_their_strand(
    ioc: asiolike.io_context, pipe: Pipe, run_ioc: Any
) -> None:
    reader, writer = pipe()
    s = asiolike.strand(ioc)
    seen: list[str] = []

    def mark(name: str) -> Any:
        return asiolike.bind_executor(
            s, lambda *a: seen.append(f"{name} {s.running_in_this_thread()}")
        )

    reader.async_read_some(bytearray(4), mark("read"))
    writer.async_write_some(b"hi", mark("write"))
    writer.async_wait(posix.wait_write, mark("wait"))
    on_strand = posix.stream_descriptor(s, os.dup(reader.native_handle()))
    on_strand.async_wait(
        posix.wait_read, lambda ec: seen.append(f"plain {s.running_in_this_thread()}")
    )
    run_ioc(ioc)
    on_strand.close()
    assert sorted(seen) == ["plain True", "read True", "wait True", "write True"]


# -- R9 threads, R10 lifetimes --------------------------------------------------------------


def test_r9_two_pipes_with_two_threads_running_the_context(
    ioc: asiolike.io_context, pipe: Pipe, run_threads: Any
) -> None:
    lock = threading.Lock()
    totals: list[int] = []
    size = 200_000

    def flow() -> None:
        reader, writer = pipe()
        got = 0
        buf = bytearray(4096)
        asiolike.async_write(writer, b"z" * size, lambda ec, n: writer.close())

        def on_read(ec: error.error_code, n: int) -> None:
            nonlocal got
            if ec:
                with lock:
                    totals.append(got)
                return
            got += n
            reader.async_read_some(buf, on_read)

        reader.async_read_some(buf, on_read)

    flow()
    flow()
    run_threads(ioc, 2)
    assert totals == [size, size]


def test_r10_a_dropped_session_frees_itself_and_closes_its_descriptor(
    ioc: asiolike.io_context, run_ioc: Any, no_gc: None
) -> None:
    r, w = os.pipe()
    writer = posix.stream_descriptor(ioc, w)

    class session:
        def __init__(self) -> None:
            self.pipe = posix.stream_descriptor(ioc, r)
            self.buf = bytearray(8)

        def start(self) -> None:
            self.pipe.async_read_some(self.buf, self.on_read)

        def on_read(self, ec: error.error_code, n: int) -> None:
            pass  # starts nothing: the session ends

    s = session()
    s.start()
    gone = weakref.ref(s)
    del s
    writer.write_some(b"bye")
    results: list[Any] = []

    def after(ec: error.error_code) -> None:
        results.append(gone())
        # The reading end was closed with the session: the writer now has no reader.
        try:
            writer.write_some(b"x")
        except asiolike.system_error as exc:
            results.append(exc.code)

    timer = asiolike.steady_timer(ioc, 0.01)
    timer.async_wait(after)
    run_ioc(ioc)
    writer.close()
    assert results == [None, error.broken_pipe]


# -- terminals, standard input, files, descriptor management --------------------------------


def test_a_pseudo_terminal(ioc: asiolike.io_context, run_ioc: Any) -> None:
    master, slave = os.openpty()
    import tty

    tty.setraw(slave)
    term = posix.stream_descriptor(ioc, slave)
    ctl = posix.stream_descriptor(ioc, master)
    try:
        buf = bytearray(16)
        h = Recorder()
        term.async_read_some(buf, h)
        h.started()
        ctl.write_some(b"typed")
        run_ioc(ioc)
        assert h.once == (error.success, 5) and buf[:5] == b"typed"
    finally:
        term.close()
        ctl.close()


_STDIN_ECHO = """
import os, sys
import asiolike as net
from asiolike import posix
ioc = net.io_context()
stdin = posix.stream_descriptor(ioc, os.dup(0))
stdout = posix.stream_descriptor(ioc, os.dup(1))
line = net.dynamic_buffer(bytearray())
def on_line(ec, n):
    if ec:
        stdout.close(); stdin.close()
        print("end", ec.name(), os.get_blocking(0), file=sys.stderr)
        return
    data = bytes(line.data()[:n]).upper()
    line.consume(n)
    net.async_write(stdout, data, lambda ec, n: net.async_read_until(stdin, line, b"\\n", on_line))
net.async_read_until(stdin, line, b"\\n", on_line)
ioc.run()
"""


def test_standard_input_and_output_of_a_child_process() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _STDIN_ECHO],
        input=b"one\ntwo\n",
        capture_output=True,
        timeout=30,
        check=True,
    )
    assert out.stdout == b"ONE\nTWO\n"
    # EOF ended it, and standard input is back in blocking mode.
    assert out.stderr.decode().strip() == "end eof True"


def test_a_regular_file_reads_without_the_reactor(
    ioc: asiolike.io_context, run_ioc: Any, tmp_path: Any
) -> None:
    path = tmp_path / "data"
    path.write_bytes(b"file contents")
    d = posix.stream_descriptor(ioc, os.open(path, os.O_RDONLY))
    try:
        got = bytearray(64)
        h = Recorder()
        asiolike.async_read(d, got, asiolike.transfer_at_least(13), h)
        h.started()
        run_ioc(ioc)
        assert h.once == (error.success, 13) and got[:13] == b"file contents"
        ioc.restart()
        w = Recorder()
        d.async_wait(posix.wait_read, w)  # epoll refuses regular files
        w.started()
        run_ioc(ioc)
        assert w.once[0] == error.no_permission
    finally:
        d.close()


def test_release_restores_the_mode_and_hands_the_descriptor_back(
    ioc: asiolike.io_context, run_ioc: Any
) -> None:
    r, w = os.pipe()
    assert os.get_blocking(r)
    d = posix.stream_descriptor(ioc, r)
    assert not os.get_blocking(r) and d.native_non_blocking()
    pending = Recorder()
    d.async_read_some(bytearray(1), pending)
    pending.started()
    assert d.release() == r
    assert os.get_blocking(r) and not d.is_open()
    run_ioc(ioc)
    assert pending.once == (error.operation_aborted, 0)
    os.write(w, b"k")
    assert os.read(r, 1) == b"k"  # still open: it is the caller's now
    os.set_blocking(w, False)
    with posix.stream_descriptor(ioc, w) as again:
        assert again.native_handle() == w
    with pytest.raises(OSError):
        os.fstat(w)  # closed by the with block
    os.close(r)


def test_user_non_blocking_mode_and_names(ioc: asiolike.io_context, pipe: Pipe) -> None:
    reader, writer = pipe()
    assert reader.non_blocking() is False
    reader.non_blocking(True)
    with pytest.raises(asiolike.system_error) as info:
        reader.read_some(bytearray(1))
    assert info.value.code == error.would_block
    assert posix.stream_descriptor.wait_read == socket_base.wait_read
    assert posix.descriptor_base.wait_error == posix.wait_error
    assert posix.basic_stream_descriptor is posix.stream_descriptor
    assert reader.lowest_layer() is reader
    assert reader.get_executor() == ioc.get_executor()
    assert "fd=" in repr(reader)
    writer.wait(posix.wait_write)
    assert reader.read_some(bytearray()) == 0 and writer.write_some(b"") == 0


def test_r10_a_write_and_a_wait_keep_nothing(
    ioc: asiolike.io_context, pipe: Pipe, run_ioc: Any, no_gc: None
) -> None:
    reader, writer = pipe()

    class owner:
        def on_write(self, ec: error.error_code, n: int) -> None:
            assert not ec and n == 3

        def on_wait(self, ec: error.error_code) -> None:
            assert not ec

    o = owner()
    ref = weakref.ref(o)
    writer.async_write_some(b"abc", o.on_write)
    reader.async_wait(posix.wait_read, o.on_wait)
    del o
    run_ioc(ioc)
    assert ref() is None


def test_the_ws_command_reads_a_terminal_without_changing_its_mode() -> None:
    # python -m asiolike ws reads standard input through a stream_descriptor; on a
    # terminal it opens the terminal again, so the non-blocking mode it sets never reaches
    # the description standard output shares (which the test holds too).
    import pty

    from tests.test_cli_ws import PROCESS_BOUND, echo, read_until, ws_process, ws_server

    controller, terminal = pty.openpty()
    try:
        with (
            ws_server(echo) as (port, _),
            ws_process(
                f"ws://127.0.0.1:{port}/", stdin=terminal, stdout=terminal, stderr=subprocess.PIPE
            ) as proc,
        ):
            seen = bytearray()
            read_until(controller, b"> ", seen)  # connected, and reading the terminal
            assert os.get_blocking(terminal)
            os.write(controller, b"hi\n")
            read_until(controller, b"< hi", seen)
            assert os.get_blocking(terminal)
            os.write(controller, b"\x04")  # Ctrl-D: the end of the input
            assert proc.wait(PROCESS_BOUND) == 0
        assert os.get_blocking(terminal)
    finally:
        os.close(controller)
        os.close(terminal)

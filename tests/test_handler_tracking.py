"""Handler tracking (asiolike/detail/handler_tracking.py): Asio's line format, exactly.

Each test gives its io_context a ``StringIO`` and compares the lines without their
timestamps; handler ids are process-wide, so expectations are built from the first id a
test sees. The environment variable is tested in child processes, where it is read at
import as it is meant to be.
"""

from __future__ import annotations

import errno
import gc
import io
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import asiolike as net
from asiolike import local
from asiolike.detail import handler_tracking
from asiolike.detail.scheduler import use_scheduler
from asiolike.detail.stream_socket import basic_stream_socket
from asiolike.error import error_code

_LINE = re.compile(r"@asio\|(\d+)\.(\d{6})\|(.*)")
_ROOT = str(Path(__file__).resolve().parent.parent)


def bodies(out: io.StringIO) -> list[str]:
    """The lines written, without ``@asio|<timestamp>|``; checks every line's shape."""
    result = []
    now = time.time()
    for line in out.getvalue().splitlines():
        match = _LINE.fullmatch(line)
        assert match is not None, line
        assert abs(int(match.group(1)) - now) < 60, line
        result.append(match.group(3))
    return result


def first_id(body: str) -> int:
    match = re.match(r"\d+\*(\d+)\|", body)
    assert match is not None, body
    return int(match.group(1))


def addr(obj: object) -> str:
    return f"{id(obj):#x}"


def tracked() -> tuple[net.io_context, io.StringIO]:
    out = io.StringIO()
    return net.io_context(handler_tracking=out), out


def socket_pair(ioc: net.io_context) -> tuple[basic_stream_socket, basic_stream_socket]:
    a: basic_stream_socket = local.stream_protocol.socket(ioc)
    b: basic_stream_socket = local.stream_protocol.socket(ioc)
    local.connect_pair(a, b)
    return a, b


def run(ioc: net.io_context) -> None:
    ioc.run_for(5)
    assert ioc.stopped()
    assert not ioc.has_outstanding_work()


# -- the line format ------------------------------------------------------------------------


def test_post_writes_creation_entry_and_exit() -> None:
    ioc, out = tracked()
    calls = []
    net.post(ioc, lambda: calls.append(1))
    run(ioc)
    lines = bodies(out)
    n = first_id(lines[0])
    assert lines == [f"0*{n}|io_context@{addr(ioc)}.post", f">{n}|", f"<{n}|"]
    assert calls == [1]
    ioc.close()


def test_post_to_executor_dispatch_and_defer() -> None:
    ioc, out = tracked()
    order: list[str] = []

    def outer() -> None:
        net.dispatch(ioc, lambda: order.append("dispatched"))  # inline: inside the run loop
        net.defer(ioc.get_executor(), lambda: order.append("deferred"))
        order.append("outer")

    net.post(ioc.get_executor(), outer)
    run(ioc)
    lines = bodies(out)
    n = first_id(lines[0])
    io_ctx = f"io_context@{addr(ioc)}"
    assert lines == [
        f"0*{n}|{io_ctx}.post",
        f">{n}|",
        f"{n}*{n + 1}|{io_ctx}.dispatch",
        f">{n + 1}|",
        f"<{n + 1}|",
        f"{n}*{n + 2}|{io_ctx}.defer",
        f"<{n}|",
        f">{n + 2}|",
        f"<{n + 2}|",
    ]
    assert order == ["dispatched", "outer", "deferred"]
    ioc.close()


def test_timer_wait_and_cancel() -> None:
    ioc, out = tracked()
    results: list[error_code] = []
    now = net.steady_timer(ioc, 0)
    now.async_wait(results.append)
    later = net.steady_timer(ioc, 10)
    later.async_wait(results.append)
    net.post(ioc, later.cancel)
    run(ioc)
    lines = bodies(out)
    n = first_id(lines[0])
    assert lines == [
        f"0*{n}|steady_timer@{addr(now)}.async_wait",
        f"0*{n + 1}|steady_timer@{addr(later)}.async_wait",
        f"0*{n + 2}|io_context@{addr(ioc)}.post",
        f">{n + 2}|",
        f"{n + 2}|steady_timer@{addr(later)}.cancel",
        f"<{n + 2}|",
        # The cancelled wait is queued at once; the expired one when timers are looked at.
        f">{n + 1}|ec=system:{errno.ECANCELED}",
        f"<{n + 1}|",
        f">{n}|ec=system:0",
        f"<{n}|",
    ]
    assert results == [net.error.operation_aborted, net.error.success]
    ioc.close()


def test_socket_read_nested_ops_and_close() -> None:
    ioc, out = tracked()
    s1, s2 = socket_pair(ioc)
    s1.write_some(b"hello")
    buf = bytearray(16)
    seen: list[tuple[error_code, int]] = []

    def on_eof(ec: error_code, n: int) -> None:
        seen.append((ec, n))

    def on_read(ec: error_code, n: int) -> None:
        seen.append((ec, n))
        s1.close()
        s2.async_read_some(buf, on_eof)

    s2.async_read_some(buf, on_read)
    run(ioc)
    s2.close()
    lines = bodies(out)
    n = first_id(lines[0])
    sock1, sock2 = f"socket@{addr(s1)}", f"socket@{addr(s2)}"
    assert lines == [
        f"0*{n}|{sock2}.async_read_some",
        f">{n}|ec=system:0,bytes_transferred=5",
        f"{n}|{sock1}.close",
        f"{n}*{n + 1}|{sock2}.async_read_some",
        f"<{n}|",
        f">{n + 1}|ec=asio.misc:2,bytes_transferred=0",
        f"<{n + 1}|",
        f"0|{sock2}.close",
    ]
    assert seen == [(net.error.success, 5), (net.error.eof, 0)]
    ioc.close()


def test_composed_write_tracks_the_operation_and_its_step() -> None:
    ioc, out = tracked()
    s1, s2 = socket_pair(ioc)
    done: list[int] = []
    net.async_write(s1, b"hello", lambda ec, n: done.append(n))
    run(ioc)
    lines = bodies(out)
    n = first_id(lines[0])
    sock1 = f"socket@{addr(s1)}"
    assert lines == [
        f"0*{n}|{sock1}.async_write",
        f"0*{n + 1}|{sock1}.async_write_some",
        f">{n + 1}|ec=system:0,bytes_transferred=5",
        f">{n}|ec=system:0,bytes_transferred=5",
        f"<{n}|",
        f"<{n + 1}|",
    ]
    assert done == [5]
    s1.close()
    s2.close()
    ioc.close()


def test_exception_writes_bang_and_no_exit() -> None:
    ioc, out = tracked()

    def boom() -> None:
        raise ValueError("boom")

    net.post(ioc, boom)
    net.post(ioc, lambda: None)
    with pytest.raises(ValueError, match="boom"):
        ioc.run_for(5)
    run(ioc)  # R4: the rest still runs
    lines = bodies(out)
    n = first_id(lines[0])
    assert lines == [
        f"0*{n}|io_context@{addr(ioc)}.post",
        f"0*{n + 1}|io_context@{addr(ioc)}.post",
        f">{n}|",
        f"!{n}|",
        f">{n + 1}|",
        f"<{n + 1}|",
    ]
    ioc.close()


def test_parent_ids_follow_the_running_handler() -> None:
    ioc, out = tracked()
    strand = net.make_strand(ioc)
    timer = net.steady_timer(ioc, 0)

    def child() -> None:
        timer.async_wait(lambda ec: None)

    def parent() -> None:
        net.post(strand, child)

    net.post(ioc, parent)
    run(ioc)
    lines = bodies(out)
    n = first_id(lines[0])
    io_ctx, st = f"io_context@{addr(ioc)}", f"strand@{addr(strand)}"
    assert lines == [
        f"0*{n}|{io_ctx}.post",
        f">{n}|",
        f"{n}*{n + 1}|{st}.post",
        f"{n}*{n + 2}|{io_ctx}.post",  # the strand's invoker
        f"<{n}|",
        f">{n + 2}|",
        f">{n + 1}|",
        f"{n + 1}*{n + 3}|steady_timer@{addr(timer)}.async_wait",
        f"<{n + 1}|",
        f"<{n + 2}|",
        f">{n + 3}|ec=system:0",
        f"<{n + 3}|",
    ]
    ioc.close()


def test_tracked_handlers_keep_their_executor_and_futures() -> None:
    ioc, out = tracked()
    strand = net.make_strand(ioc)
    inside: list[bool] = []
    timer = net.steady_timer(ioc, 0)
    timer.async_wait(
        net.bind_executor(strand, lambda ec: inside.append(strand.running_in_this_thread()))
    )
    future = net.steady_timer(ioc, 0).async_wait(net.use_future)
    run(ioc)
    assert inside == [True]  # R7 holds through the wrapper
    assert future is not None and future.result(0) is None
    lines = bodies(out)
    assert sum(1 for line in lines if line.startswith(">")) == sum(
        1 for line in lines if line.startswith("<")
    )
    ioc.close()


# -- destruction without invocation -----------------------------------------------------------


def test_close_drops_queued_handler_with_tilde() -> None:
    ioc, out = tracked()
    net.post(ioc, lambda: None)
    ioc.close()
    lines = bodies(out)
    n = first_id(lines[0])
    assert lines == [f"0*{n}|io_context@{addr(ioc)}.post", f"~{n}|"]


def test_pending_wait_destroyed_with_its_context() -> None:
    ioc, out = tracked()
    timer = net.steady_timer(ioc, 60)
    timer.async_wait(lambda ec: None)
    ioc.close()
    del ioc, timer
    gc.collect()
    lines = bodies(out)
    n = first_id(lines[0])
    assert lines[1:] == [f"~{n}|"]


def test_destroyed_inside_a_write_is_deferred_not_deadlocked() -> None:
    ioc, out = tracked()
    tracker = use_scheduler(ioc).tracker
    assert tracker is not None
    net.post(ioc, lambda: None)
    with tracker._lock:  # as when the collector runs __del__ in the middle of a write
        ioc.close()
    lines = bodies(out)
    n = first_id(lines[0])
    assert lines == [f"0*{n}|io_context@{addr(ioc)}.post"]
    tracker.operation(ioc, "next")  # the next line brings the deferred one out first
    assert bodies(out)[1:] == [f"~{n}|", f"0|io_context@{addr(ioc)}.next"]


# -- turning it on and off --------------------------------------------------------------------


def test_off_by_default_and_with_false() -> None:
    assert use_scheduler(net.io_context(handler_tracking=False)).tracker is None
    if os.environ.get(handler_tracking.ENV_ENABLE) is None:
        assert use_scheduler(net.io_context()).tracker is None


def test_true_writes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    if os.environ.get(handler_tracking.ENV_FILE):
        pytest.skip("ASIOLIKE_HANDLER_TRACKING_FILE is set: the lines go there")
    ioc = net.io_context(handler_tracking=True)
    net.post(ioc, lambda: None)
    run(ioc)
    ioc.close()
    err = capsys.readouterr().err.splitlines()
    assert [_LINE.fullmatch(line) is not None for line in err] == [True, True, True]
    assert err[0].endswith(f"|io_context@{addr(ioc)}.post")


def test_bad_argument_raises() -> None:
    with pytest.raises(TypeError, match="handler_tracking"):
        net.io_context(handler_tracking=42)  # type: ignore[arg-type]


_PROGRAM = textwrap.dedent(
    """
    import asiolike as net
    ioc = net.io_context()
    net.post(ioc, lambda: None)
    ioc.run_for(5)
    ioc.close()
    print("ran")
    """
)


def _child(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ASIOLIKE_HANDLER")}
    base["PYTHONPATH"] = _ROOT
    return subprocess.run(
        [sys.executable, "-c", _PROGRAM],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )


def test_environment_variable_to_stderr_and_off_without_it() -> None:
    on = _child({"ASIOLIKE_HANDLER_TRACKING": "1"})
    assert on.stdout == "ran\n"
    raw = on.stderr.splitlines()
    assert all(_LINE.fullmatch(line) for line in raw), raw
    lines = [line.split("|", 2)[2] for line in raw]
    assert len(lines) == 3
    assert re.fullmatch(r"0\*1\|io_context@0x[0-9a-f]+\.post", lines[0])
    assert lines[1:] == [">1|", "<1|"]
    off = _child({})
    assert off.stdout == "ran\n"
    assert off.stderr == ""


def test_environment_variable_to_file(tmp_path: Path) -> None:
    log = tmp_path / "trace.log"
    done = _child({"ASIOLIKE_HANDLER_TRACKING": "yes", "ASIOLIKE_HANDLER_TRACKING_FILE": str(log)})
    assert done.stderr == ""
    lines = log.read_text().splitlines()
    assert [line.split("|", 2)[2].split("|")[0] for line in lines] == ["0*1", ">1", "<1"]

"""``python -m asiolike.handlerviz``: a handler-tracking log to a Graphviz graph."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import asiolike as net
from asiolike import handlerviz

_ROOT = str(Path(__file__).resolve().parent.parent)

LOG = """\
program output that is not a tracking line
@asio|1700000000.000000|0*1|io_context@0x10.post
@asio|1700000000.000010|>1|
@asio|1700000000.000020|1*2|socket@0x20.async_read_some
@asio|1700000000.000030|1|socket@0x30.close
@asio|1700000000.000040|<1|
@asio|1700000000.000100|>2|ec=system:0,bytes_transferred=5
@asio|1700000000.000110|2*3|steady_timer@0x40.async_wait
@asio|1700000000.000120|!2|
@asio|1700000000.000200|0*4|io_context@0x10.post
@asio|1700000000.000300|~4|
@asio|1700000000.000400|0|socket@0x20.close
"""

NODES = [
    '  "h0" [label="main (outside any handler)\\ldid socket@0x20.close\\l", '
    'shape="ellipse", color="gray40"];',
    '  "h1" [label="#1 io_context@0x10.post\\linvoked at +0.000010 s\\lreturned after 30 us\\l'
    'did socket@0x30.close\\l", color="black"];',
    '  "h2" [label="#2 socket@0x20.async_read_some\\linvoked at +0.000100 s with '
    'ec=success,bytes_transferred=5\\lraised an exception\\l", color="red", '
    'fontcolor="red", penwidth="2"];',
    '  "h3" [label="#3 steady_timer@0x40.async_wait\\lnever invoked (pending when the log '
    'ends)\\l", color="darkorange", style="dotted", penwidth="2"];',
    '  "h4" [label="#4 io_context@0x10.post\\ldestroyed without being invoked at +0.000300 s'
    '\\l", color="gray50", fontcolor="gray50", style="dashed"];',
]
EDGES = ['  "h0" -> "h1";', '  "h1" -> "h2";', '  "h2" -> "h3";', '  "h0" -> "h4";']


def test_parse_nodes_and_fates() -> None:
    graph = handlerviz.parse(io.StringIO(LOG))
    assert graph.lines == 11
    assert graph.start == 1_700_000_000_000_000
    assert sorted(graph.nodes) == [0, 1, 2, 3, 4]
    assert [graph.nodes[i].fate for i in range(1, 5)] == [
        "completed",
        "raised",
        "pending",
        "destroyed",
    ]
    assert graph.nodes[2].parent == 1
    assert graph.nodes[2].label == "socket@0x20.async_read_some"
    assert graph.nodes[2].arguments == "ec=system:0,bytes_transferred=5"
    assert graph.edges == [(0, 1), (1, 2), (2, 3), (0, 4)]


def test_to_dot_exact_nodes_and_edges() -> None:
    lines = handlerviz.to_dot(handlerviz.parse(io.StringIO(LOG))).splitlines()
    assert lines[1] == 'digraph "handlers" {'
    assert [line for line in lines if line.startswith('  "h') and "->" not in line] == NODES
    assert [line for line in lines if line.startswith('  "h') and "->" in line] == EDGES
    assert lines[-1] == "}"


def test_error_codes_by_name_and_failed_handlers_coloured() -> None:
    log = [
        "@asio|1.000000|0*1|socket@0x1.async_read_some\n",
        "@asio|1.000001|0*2|steady_timer@0x2.async_wait\n",
        "@asio|1.000002|0*3|websocket_stream@0x3.async_read\n",
        "@asio|1.000003|0*4|mylib_thing@0x4.async_do\n",
        "@asio|1.000004|0*5|socket@0x1.async_write_some\n",
        "@asio|1.000010|>1|ec=system:104,bytes_transferred=0\n",
        "@asio|1.000011|<1|\n",
        "@asio|1.000012|>2|ec=system:125\n",
        "@asio|1.000013|<2|\n",
        "@asio|1.000014|>3|ec=beast.websocket:1,bytes_transferred=0\n",
        "@asio|1.000015|<3|\n",
        "@asio|1.000016|>4|ec=mylib:7\n",
        "@asio|1.000017|<4|\n",
        "@asio|1.000018|>5|ec=system:0,bytes_transferred=3\n",
        "@asio|1.000019|<5|\n",
    ]
    graph = handlerviz.parse(log)
    assert [graph.nodes[i].error for i in range(1, 6)] == [
        "connection_reset",
        "operation_aborted",
        "closed",
        "mylib:7",  # a category asiolike does not know: as written
        None,  # success is no error
    ]
    # The logged arguments stay as written; the picture shows names.
    assert graph.nodes[2].arguments == "ec=system:125"
    nodes = {
        line.split('"')[1]: line
        for line in handlerviz.to_dot(graph).splitlines()
        if line.startswith('  "h') and "->" not in line
    }
    assert "with ec=connection_reset,bytes_transferred=0" in nodes["h1"]
    assert "with ec=operation_aborted\\l" in nodes["h2"]
    assert "with ec=closed,bytes_transferred=0" in nodes["h3"]
    assert "with ec=mylib:7\\l" in nodes["h4"]
    assert "with ec=success,bytes_transferred=3" in nodes["h5"]
    failed = 'color="firebrick", style="filled", fillcolor="mistyrose"'
    aborted = 'color="goldenrod", style="filled", fillcolor="lightyellow"'
    assert nodes["h1"].endswith(failed + "];")
    assert nodes["h2"].endswith(aborted + "];")
    assert nodes["h3"].endswith(failed + "];")
    assert nodes["h4"].endswith(failed + "];")
    assert nodes["h5"].endswith('color="black"];')


def test_error_name() -> None:
    assert handlerviz.error_name("system", 0) == "success"
    assert handlerviz.error_name("system", net.error.operation_aborted.value()) == (
        "operation_aborted"
    )
    assert handlerviz.error_name("asio.misc", net.error.eof.value()) == "eof"
    assert handlerviz.error_name("beast.http", 1) is not None
    assert handlerviz.error_name("nope", 1) is None


def test_legend_explains_every_style() -> None:
    lines = handlerviz.to_dot(handlerviz.parse(io.StringIO(LOG))).splitlines()
    start = lines.index('  subgraph "cluster_legend" {')
    legend = lines[start : lines.index("  }", start)]
    labels = [line.split('label="')[1].split('"')[0] for line in legend if "[label=" in line]
    assert labels == [
        "completed",
        "completed with an error (ec)",
        "cancelled (ec=operation_aborted)",
        "raised an exception",
        "destroyed without being invoked",
        "pending when the log ended",
        "running when the log ended",
    ]
    # Each sample is drawn in the style it names (the same attributes as the nodes).
    assert 'label="raised an exception", color="red", fontcolor="red", penwidth="2"' in (
        "\n".join(legend)
    )


def test_asio_reactor_and_location_lines_and_quotes() -> None:
    log = [
        "@asio|5.000001|0*7|socket@0x1.async_send\n",
        "@asio|5.000002|.7|non_blocking_send,ec=system:0,bytes_transferred=3\n",
        "@asio|5.000003|0^7|in 'async_write' (write.hpp:330)\n",
        '@asio|5.000004|>7|ec="x"\\\n',
    ]
    graph = handlerviz.parse(log)
    node = graph.nodes[7]
    assert node.notes == [
        "reactor: non_blocking_send,ec=system:0,bytes_transferred=3",
        "in 'async_write' (write.hpp:330)",
    ]
    assert node.fate == "running"
    dot = handlerviz.to_dot(graph)
    assert 'with ec=\\"x\\"\\\\\\lstill running when the log ends\\l' in dot


def test_main_writes_dot_next_to_the_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "trace.log"
    log.write_text(LOG)
    assert handlerviz.main([str(log), "--no-png"]) == 0
    dot = (tmp_path / "trace.dot").read_text()
    assert dot == handlerviz.to_dot(handlerviz.parse(io.StringIO(LOG)))
    assert capsys.readouterr().out == f"wrote {tmp_path / 'trace.dot'} (4 handlers, 4 edges)\n"
    assert not (tmp_path / "trace.png").exists()


def test_main_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "trace.log"
    log.write_text(LOG)
    assert handlerviz.main([str(log), "-o", "-"]) == 0
    assert capsys.readouterr().out == handlerviz.to_dot(handlerviz.parse(io.StringIO(LOG)))


def test_main_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.log"
    empty.write_text("nothing here\n")
    assert handlerviz.main([str(empty)]) == 1
    assert "no handler-tracking lines" in capsys.readouterr().err
    assert handlerviz.main([str(tmp_path / "missing.log")]) == 1
    assert "cannot read" in capsys.readouterr().err
    assert not (tmp_path / "empty.dot").exists()


def test_explicit_png_without_dot_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH where no dot program exists
    log = tmp_path / "trace.log"
    log.write_text(LOG)
    assert handlerviz.main([str(log), "--png", str(tmp_path / "out.png")]) == 1
    assert "dot program is not installed" in capsys.readouterr().err
    assert (tmp_path / "trace.dot").exists()
    assert handlerviz.main([str(log)]) == 0  # without --png: the .dot only, and a note
    assert "no PNG written" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_png_with_dot(tmp_path: Path) -> None:
    log = tmp_path / "trace.log"
    log.write_text(LOG)
    assert handlerviz.main([str(log)]) == 0
    assert (tmp_path / "trace.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert handlerviz.main([str(log), "--png", str(tmp_path / "other.png")]) == 0
    assert (tmp_path / "other.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_real_trace(tmp_path: Path) -> None:
    out = io.StringIO()
    ioc = net.io_context(handler_tracking=out)
    timer = net.steady_timer(ioc, 0)
    net.post(ioc, lambda: timer.async_wait(lambda ec: None))
    net.post(ioc, lambda: None)
    ioc.run_for(5)
    net.post(ioc, lambda: None)
    ioc.close()
    graph = handlerviz.parse(io.StringIO(out.getvalue()))
    first = min(i for i in graph.nodes if i)
    assert [graph.nodes[i].fate for i in sorted(graph.nodes) if i] == [
        "completed",
        "completed",
        "completed",
        "destroyed",
    ]
    assert graph.edges == [(0, first), (0, first + 1), (first, first + 2), (0, first + 3)]
    assert graph.nodes[first + 2].label == f"steady_timer@{id(timer):#x}.async_wait"


def test_a_real_trace_names_the_ssl_stream_and_its_errors() -> None:
    from asiolike import beast, ssl

    out = io.StringIO()
    ioc = net.io_context(handler_tracking=out)
    stream = ssl.stream(beast.tcp_stream(ioc), ssl.context(ssl.context.tls_client))
    got: list[net.error_code] = []
    # Not connected: the handshake fails at once (through the queue).
    stream.async_handshake(ssl.stream_base.client, got.append)
    timer = net.steady_timer(ioc, 30)
    timer.async_wait(got.append)
    net.post(ioc, timer.cancel)
    ioc.run_for(5)
    ioc.close()
    assert got and got[-1] == net.error.operation_aborted
    graph = handlerviz.parse(io.StringIO(out.getvalue()))
    by_label = {node.label: node for node in graph.nodes.values()}
    handshake = by_label[f"ssl_stream@{id(stream):#x}.async_handshake"]
    assert handshake.error == got[0].name() and got[0]
    assert by_label[f"steady_timer@{id(timer):#x}.async_wait"].error == "operation_aborted"


def test_runs_as_a_module() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "asiolike.handlerviz", "--help"],
        env={**os.environ, "PYTHONPATH": _ROOT},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert done.stdout.startswith("usage: python -m asiolike.handlerviz [-h] [-o OUT.dot]")
    assert "LOG" in done.stdout and "--no-png" in done.stdout

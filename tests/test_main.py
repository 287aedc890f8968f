"""Tests for ``python -m asiolike`` (asiolike/__main__.py) and its ``demo`` (asiolike/_demo.py)."""

from __future__ import annotations

import io
import os
import platform
import re
import subprocess
import sys

import pytest

import asiolike
from asiolike.__main__ import main, version_text
from asiolike._demo import TIME_CAP, run_demo
from asiolike.beast.websocket import _mask

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# A step: "[   1.234 ms] who    what".
STEP = re.compile(r"\[ *(\d+\.\d{3}) ms\] (server|client|demo  ) (.*)")


def steps(text: str) -> list[tuple[float, str, str]]:
    out = []
    for line in text.splitlines():
        m = STEP.fullmatch(line)
        assert m, f"not a step: {line!r}"
        out.append((float(m[1]), m[2].strip(), m[3]))
    return out


# -- demo --------------------------------------------------------------------------------------


def test_demo_shows_every_step_and_succeeds() -> None:
    out = io.StringIO()
    assert run_demo(4, out) == 0
    got = steps(out.getvalue())
    times = [t for t, _, _ in got]
    assert times == sorted(times)
    said = [f"{who}: {what}" for _, who, what in got]
    port = re.fullmatch(r"server: listening on 127\.0\.0\.1:(\d+)", said[0])
    assert port
    expected_in_order = [
        f"client: connecting to 127.0.0.1:{port[1]}",
        "client: TCP connected; sending the upgrade request",
        "server: upgrade request accepted; the WebSocket is open",
        "client: handshake done (101 Switching Protocols)",
        "client: writing 'hello #1 from asiolike'",
        "server: read a text message of 22 bytes; echoing it",
        "client: echo received: 'hello #1 from asiolike'",
        "client: writing b'\\x00\\x01\\x02\\xff binary #2' (binary)",
        "server: read a binary message of 14 bytes; echoing it",
        "client: echo received: b'\\x00\\x01\\x02\\xff binary #2' (binary)",
        "client: echo received: 'hello #3 from asiolike'",
        "client: echo received: b'\\x00\\x01\\x02\\xff binary #4' (binary)",
        "client: sending a ping (b'are you there?'), a read pending for the pong",
        "server: ping received (b'are you there?'); the stream answers with a pong",
        "client: closing: code 1000 (normal), reason 'demo done'",
        "server: close frame received; the stream echoes it",
        "client: pending read completed with 'closed', as expected",
        "client: closing handshake done; the server answered code 1000 (normal)",
        "server: closed by the client: code 1000 (normal), reason 'demo done'",
    ]
    positions = [said.index(line) for line in expected_in_order]
    assert positions == sorted(positions)
    assert any(
        re.fullmatch(
            r"client: pong received \(b'are you there\?'\), \d+\.\d{3} ms after the ping", s
        )
        for s in said
    )
    assert re.fullmatch(
        r"demo: OK: 4/4 messages echoed \(2 text, 2 binary\), ping answered, closed with code "
        r"1000 \(normal\), reason 'demo done'; \d+ handlers in \d+\.\d ms",
        said[-1],
    )
    assert not any("MISMATCH" in s or "failed" in s for s in said)


def test_demo_with_deflate_and_other_counts() -> None:
    out = io.StringIO()
    assert run_demo(1, out, deflate=True) == 0
    text = out.getvalue()
    assert "handshake done (101 Switching Protocols; extensions: permessage-deflate" in text
    assert "OK: 1/1 messages echoed (1 text, 0 binary)" in text
    out = io.StringIO()
    assert run_demo(0, out) == 0
    assert "OK: 0/0 messages echoed (0 text, 0 binary), ping answered" in out.getvalue()


def test_demo_refuses_a_negative_count() -> None:
    with pytest.raises(ValueError, match="count must be 0 or more"):
        run_demo(-1, io.StringIO())


def test_main_demo(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--messages", "2"]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert "demo   OK: 2/2 messages echoed (1 text, 1 binary)" in last


def python_m_asiolike(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m asiolike ARGS`` from the checkout, bounded."""
    return subprocess.run(
        [sys.executable, "-m", "asiolike", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=10,
    )


def test_python_m_asiolike_demo() -> None:
    # The README's first command.
    proc = python_m_asiolike("demo")
    assert (proc.returncode, proc.stderr) == (0, "")
    assert "demo   OK: 4/4 messages echoed" in proc.stdout.splitlines()[-1]


# -- help and usage errors ---------------------------------------------------------------------


def help_of(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    with pytest.raises(SystemExit) as exc:
        main([*args, "--help"])
    assert exc.value.code == 0
    return capsys.readouterr().out


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    text = help_of(capsys)
    assert text.startswith("usage: python -m asiolike [-h] [--version] COMMAND ...")
    for command in ("demo", "ws", "serve"):
        assert f"    {command} " in text


def test_demo_help(capsys: pytest.CaptureFixture[str]) -> None:
    text = help_of(capsys, "demo")
    assert text.startswith("usage: python -m asiolike demo [-h] [--messages N] [--deflate]")
    assert "examples:\n  python -m asiolike demo\n" in text
    # The time cap, from the constant the demo uses.
    assert f"At most\n{TIME_CAP:g} seconds." in text
    assert f"The demo is capped at {TIME_CAP:g} seconds" in text
    assert f'"timed out after {TIME_CAP:g} s"' in text


# -- --version ---------------------------------------------------------------------------------


def test_version_names_the_build() -> None:
    proc = python_m_asiolike("--version")
    assert (proc.returncode, proc.stderr) == (0, "")
    first, second, third = proc.stdout.splitlines()
    python = f"{platform.python_implementation()} {platform.python_version()}"
    assert first.startswith(f"asiolike {asiolike.__version__} ({python} on ")
    # Whichever build runs, the lines say so, and they agree with what was imported.
    if _mask.accelerated:
        assert second == "WebSocket masking: C accelerator (asiolike.beast.websocket._speedups)"
    elif os.environ.get("ASIOLIKE_NO_EXTENSIONS", "") not in ("", "0"):
        assert second == "WebSocket masking: pure Python (ASIOLIKE_NO_EXTENSIONS is set)"
    else:
        folder = os.path.dirname(asiolike.__file__)
        assert second == f"WebSocket masking: pure Python (no C accelerator in {folder})"
    if asiolike.compiled:
        assert re.fullmatch(r"Core: compiled with mypyc \(\d+ modules\)", third), third
    else:
        assert third.startswith("Core: pure Python ("), third
    assert version_text() == proc.stdout.rstrip("\n")


def test_version_in_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert "  --version   show the version, the Python, and which compiled parts are in\n" in (
        help_of(capsys)
    )


def test_ws_help(capsys: pytest.CaptureFixture[str]) -> None:
    text = help_of(capsys, "ws")
    assert text.startswith("usage: python -m asiolike ws [-h] ")
    for option in (
        "--binary",
        "-H NAME:VALUE, --header NAME:VALUE",
        "--deflate",
        "--ping-interval SECONDS",
        "--max-message BYTES",
        "--linger SECONDS",
        "-k, --insecure",
        "--cacert FILE",
        "-v, --verbose",
    ):
        assert option in text
    assert "Binary messages are printed as a\n  Python bytes literal" in text
    assert "echo hi | python -m asiolike ws ws://127.0.0.1:8765/" in text


def test_serve_help(capsys: pytest.CaptureFixture[str]) -> None:
    text = help_of(capsys, "serve")
    assert text.startswith("usage: python -m asiolike serve [-h] [--host HOST] [--port PORT]")
    for option in ("--deflate", "--max-message BYTES", "--grace SECONDS", "-v, --verbose"):
        assert option in text
    assert "python -m asiolike serve --port 0 --deflate -v" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "the following arguments are required: COMMAND"),
        (["demo", "--messages", "-1"], "argument --messages: -1 is negative"),
        (["ws"], "the following arguments are required: URL"),
        (["ws", "http://h/"], "argument URL: 'http://h/': use a ws:// or wss:// URL"),
        (["ws", "ws://h/", "--header", "nocolon"], "argument -H/--header: 'nocolon': write"),
        (["ws", "ws://h/", "--ping-interval", "-1"], "argument --ping-interval: '-1': use a"),
        (["ws", "ws://h/", "--linger", "nan"], "argument --linger: 'nan': use a finite"),
        (["serve", "--port", "65536"], "argument --port: 65536 is not a port"),
        (["serve", "--max-message", "x"], "argument --max-message: 'x' is not a whole number"),
    ],
)
def test_usage_errors(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err

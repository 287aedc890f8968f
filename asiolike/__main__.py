"""``python -m asiolike``: the command line.

* ``demo``: a WebSocket echo server and client in one io_context on 127.0.0.1, step by
  step with timings (``asiolike._demo``);
* ``ws URL``: an interactive WebSocket client, lines in, messages out
  (``asiolike._cli_ws``);
* ``serve``: a WebSocket echo server that stops cleanly on Ctrl-C (``asiolike._cli_serve``);
* ``--version``: the version, the Python running it, and whether the optional C masking
  accelerator was built and loaded (see :func:`version_text`).
"""

from __future__ import annotations

import argparse
import platform
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["main", "version_text"]

_PROG = "python -m asiolike"

_DEMO_EPILOG = """\
examples:
  {prog} demo
  {prog} demo --messages 10 --deflate

The demo is capped at {cap:g} seconds: if it is still running then, it stops and reports
"timed out after {cap:g} s". The exit status is 0 when every echo came back intact, the
ping was answered and both sides saw the clean close; 1 otherwise (or after the cap).
"""

_WS_EPILOG = f"""\
output:
  Text messages are printed as they are, one per line. Binary messages are printed as a
  Python bytes literal, e.g. b'\\x00\\x01hi'. Errors, and with -v the steps and pongs, go
  to standard error.

end of input:
  ws waits for the answers (until as many messages came back as were sent, or until none
  arrived for --linger seconds), then closes with 1000 and exits 0 once the closing
  handshake is done. A server that closes with 1000 or 1001 also ends with 0.

exit status:
  0 clean close; 1 an error, printed as "error: NAME (step: message)", e.g.
  "error: connection_refused (connect: Connection refused)" or
  "error: upgrade_declined (handshake: ...)"; 2 a bad command line; 130 Ctrl-C.

Ctrl-C:
  closes the connection with 1001 (going away), waits for the server's close frame (at
  most 5 s; a second Ctrl-C does not wait), and exits 130.

on a terminal:
  received messages are marked "< " and sent lines "> " (input typed after a "> "
  prompt), as the websockets command line does; control characters are escaped. In a
  pipe the output is the bare messages.

examples:
  {_PROG} ws ws://127.0.0.1:8765/
  echo hi | {_PROG} ws ws://127.0.0.1:8765/
  {_PROG} ws --header 'Authorization: Bearer abc' --deflate 'ws://example.com/chat?room=1'
  {_PROG} ws -v --ping-interval 5 wss://example.com/
  {_PROG} ws --cacert ca.pem wss://localhost:8443/
  printf '\\x00\\x01' | {_PROG} ws --binary ws://127.0.0.1:8765/
"""

_SERVE_EPILOG = f"""\
Prints "listening on HOST:PORT" (with the port chosen for --port 0) once it accepts
connections. Ctrl-C (SIGINT) or SIGTERM stops it: it stops accepting, closes every
connection with 1001 (going_away), waits at most --grace seconds for the closing
handshakes (a second Ctrl-C does not wait), and exits with 0.

A connection that receives nothing for half of --idle-timeout is pinged, and closed if
the other half passes without a byte too: a client that stops reading (or vanishes)
holds its buffers that long at most. When descriptors or memory run out, accepting
pauses (0.1 s doubling to 1 s, one line on stderr each time) instead of spinning.

examples:
  {_PROG} serve
  {_PROG} serve --port 0 --deflate -v
  {_PROG} serve --host 0.0.0.0 --port 9000 --max-message 65536
"""


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative; use 0 or more")
    return value


def _port(text: str) -> int:
    value = _non_negative_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port (0 to 65535)")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r}: use a finite number of seconds, 0 or more")
    return value


def version_text() -> str:
    """What ``--version`` prints: three lines, e.g.::

        asiolike 0.2.0 (CPython 3.12.3 on Linux x86_64)
        WebSocket masking: C accelerator (asiolike.beast.websocket._speedups)
        Core: compiled with mypyc (10 modules)

    The second line says ``pure Python (no C accelerator in <folder>)`` when the optional
    extension is missing where asiolike was imported from: the install had no C compiler,
    or a source tree was imported without building it (running from a clone's top folder
    imports the clone, not the installed package). Both run the same; the accelerator
    makes masking (every client frame) faster.

    The third says whether the core runs compiled (:data:`asiolike.compiled`), or
    ``pure Python (<why>)``: ``not compiled``, ``ASIOLIKE_NO_EXTENSIONS is set`` (which
    also turns the accelerator off), or ``sources changed since they were compiled``.
    """
    import os

    import asiolike
    from asiolike import _build
    from asiolike._version import __version__
    from asiolike.beast.websocket import _mask

    folder = os.path.dirname(asiolike.__file__)
    if _mask.accelerated:
        masking = "C accelerator (asiolike.beast.websocket._speedups)"
    elif _build.reason == "ASIOLIKE_NO_EXTENSIONS is set":
        masking = f"pure Python ({_build.reason})"
    else:
        masking = f"pure Python (no C accelerator in {folder})"
    if asiolike.compiled:
        core = f"compiled with mypyc ({len(_build.compiled_modules)} modules)"
    else:
        core = f"pure Python ({_build.reason})"
    python = f"{platform.python_implementation()} {platform.python_version()}"
    return (
        f"asiolike {__version__} ({python} on {platform.system()} {platform.machine()})\n"
        f"WebSocket masking: {masking}\n"
        f"Core: {core}"
    )


class _version_action(argparse.Action):
    """``--version``, computed when asked for (it imports the WebSocket package)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        print(version_text())
        parser.exit()


def _build_parser() -> argparse.ArgumentParser:
    from asiolike._cli_serve import IDLE_TIMEOUT, SHUTDOWN_GRACE
    from asiolike._cli_ws import parse_header, parse_url
    from asiolike._demo import TIME_CAP

    parser = argparse.ArgumentParser(
        prog=_PROG,
        description="asiolike: Boost.Asio and Boost.Beast for Python.",
        epilog=f"Run '{_PROG} COMMAND --help' for a command's options.",
    )
    parser.add_argument(
        "--version",
        action=_version_action,
        help="show the version, the Python, and which compiled parts are in use",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    fmt = argparse.RawDescriptionHelpFormatter

    demo = commands.add_parser(
        "demo",
        help="run a WebSocket echo server and client in one io_context on 127.0.0.1",
        description=(
            "Start a WebSocket echo server and a client in one io_context on 127.0.0.1:\n"
            "handshake, text and binary messages, a ping, a clean close. Each step is\n"
            f"printed with its time (ms since the start), then a summary line. At most\n"
            f"{TIME_CAP:g} seconds."
        ),
        epilog=_DEMO_EPILOG.format(prog=_PROG, cap=TIME_CAP),
        formatter_class=fmt,
    )
    demo.add_argument(
        "--messages",
        type=_non_negative_int,
        default=4,
        metavar="N",
        help="messages to echo, alternately text and binary (default: 4)",
    )
    demo.add_argument(
        "--deflate", action="store_true", help="enable permessage-deflate on both sides"
    )

    ws = commands.add_parser(
        "ws",
        help="connect to a WebSocket server: lines from stdin out, messages to stdout",
        description=(
            "An interactive WebSocket client. Each line read from standard input is sent\n"
            "as a text message (binary with --binary), without its line ending; each\n"
            "message received is printed on standard output."
        ),
        epilog=_WS_EPILOG,
        formatter_class=fmt,
    )
    ws.add_argument(
        "url", type=parse_url, metavar="URL", help="ws://HOST[:PORT][/PATH][?QUERY] or wss://..."
    )
    ws.add_argument("--binary", action="store_true", help="send each line as a binary message")
    ws.add_argument(
        "-H",
        "--header",
        type=parse_header,
        action="append",
        default=[],
        metavar="NAME:VALUE",
        help="add a field to the upgrade request (repeatable)",
    )
    ws.add_argument("--deflate", action="store_true", help="offer permessage-deflate compression")
    ws.add_argument(
        "--ping-interval",
        type=_seconds,
        default=0.0,
        metavar="SECONDS",
        help="send a ping every SECONDS (pongs are shown with -v); default: no pings",
    )
    ws.add_argument(
        "--max-message",
        type=_non_negative_int,
        default=None,
        metavar="BYTES",
        help="largest message accepted (default: 16 MiB; 0: no limit)",
    )
    ws.add_argument(
        "--linger",
        type=_seconds,
        default=1.0,
        metavar="SECONDS",
        help="at the end of input, wait this long for answers before closing (default: 1)",
    )
    ws.add_argument(
        "-k",
        "--insecure",
        action="store_true",
        help="wss:// only: do not verify the server's certificate",
    )
    ws.add_argument(
        "--cacert",
        metavar="FILE",
        help="wss:// only: also trust the CA certificates in FILE (PEM)",
    )
    ws.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="show the steps, pings and pongs, and whether permessage-deflate was "
        "negotiated, on stderr",
    )

    serve = commands.add_parser(
        "serve",
        help="run a WebSocket echo server until Ctrl-C",
        description="A WebSocket echo server: every message comes back, text as text.",
        epilog=_SERVE_EPILOG,
        formatter_class=fmt,
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    serve.add_argument(
        "--port", type=_port, default=8765, help="port to listen on; 0 picks one (default: 8765)"
    )
    serve.add_argument(
        "--deflate", action="store_true", help="accept permessage-deflate compression"
    )
    serve.add_argument(
        "--max-message",
        type=_non_negative_int,
        default=None,
        metavar="BYTES",
        help="largest message accepted; larger ones close with 1009 (default: 16 MiB)",
    )
    serve.add_argument(
        "--grace",
        type=_seconds,
        default=SHUTDOWN_GRACE,
        metavar="SECONDS",
        help=f"on Ctrl-C, how long the closing handshakes may take (default: {SHUTDOWN_GRACE:g})",
    )
    serve.add_argument(
        "--idle-timeout",
        type=_seconds,
        default=IDLE_TIMEOUT,
        metavar="SECONDS",
        help="close a connection that received nothing for this long, with a ping at half "
        f"time; 0 for never (default: {IDLE_TIMEOUT:g})",
    )
    serve.add_argument("-v", "--verbose", action="store_true", help="report connections on stderr")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: The arguments without the program name (default: ``sys.argv[1:]``).

    Returns:
        The process exit status.
    """
    args = _build_parser().parse_args(argv)
    if args.command == "demo":
        from asiolike._demo import run_demo

        return run_demo(args.messages, deflate=args.deflate)
    if args.command == "ws":
        from asiolike._cli_ws import run_ws, ws_options

        options = ws_options(
            binary=args.binary,
            headers=tuple(args.header),
            deflate=args.deflate,
            ping_interval=args.ping_interval,
            max_message=args.max_message,
            verbose=args.verbose,
            linger=args.linger,
            insecure=args.insecure,
            cacert=args.cacert,
        )
        return run_ws(args.url, options, sys.stdin.buffer, sys.stdout.buffer, sys.stderr)
    if args.command == "serve":
        from asiolike._cli_serve import run_serve, serve_options

        options_s = serve_options(
            deflate=args.deflate,
            max_message=args.max_message,
            verbose=args.verbose,
            grace=args.grace,
            idle_timeout=args.idle_timeout or None,
        )
        return run_serve(args.host, args.port, options_s)
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())

"""``python -m asiolike``: the command line.

``demo`` runs an echo server and a client in one io_context on 127.0.0.1 and prints what
they did, step by step, with timings.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m asiolike",
        description="asiolike: Boost.Asio and Boost.Beast for Python.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    demo = commands.add_parser(
        "demo",
        help="run an echo server and client in one io_context on 127.0.0.1",
        description=(
            "Start an echo server and a client in one io_context on 127.0.0.1, exchange a few "
            "messages, close cleanly, and print each step with its timing."
        ),
    )
    demo.add_argument(
        "--messages", type=int, default=3, metavar="N", help="messages to echo (default: 3)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    args = _build_parser().parse_args(argv)
    if args.command == "demo":
        from asiolike._demo import run_demo

        return run_demo(args.messages)
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())

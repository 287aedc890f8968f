"""A longer fuzzing run of the protocol decoders than the test suite's (issue 10, item 4).

The same properties as the suite's hypothesis tests, with a budget you choose:

* HTTP request and response parsers: every way of splitting the input (whole, octet by
  octet, in two anywhere) gives the same outcome, and only documented error codes; with
  small limits, what the driver must buffer stays within them.
* The WebSocket connection core (both roles, with and without permessage-deflate, with
  read limits): the verdict (messages, control frames, final close or error) is the same
  for every split; only documented errors; buffers bounded.
* The WebSocket accept path over a real socket on 127.0.0.1: any request ends the accept
  with success or a documented code, never an exception out of ``run()`` or a hang.

Run from the repository root::

    python tests/fuzz/fuzz_decoders.py --examples 5000

Not collected by pytest (``norecursedirs``); the suite runs the same properties with a
small budget.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.beast.http.test_parser_hostile import (
    check_bounded,
    check_split_free,
    messages,
)
from tests.beast.websocket.test_protocol_hostile import (
    assert_split_free,
    ws_cases,
)
from tests.test_hostile_input_decoders import check_accept, upgrade_requests


def _ws(case: tuple[bytes, dict[str, object]]) -> None:
    data, options = case
    assert_split_free(data, every_split=len(data) <= 400, **options)  # type: ignore[arg-type]


def _properties() -> dict[str, tuple[Callable[..., None], dict[str, st.SearchStrategy[object]]]]:
    return {
        "http request splits": (
            lambda data, eof: check_split_free(data, True, eof),
            {"data": messages(True), "eof": st.booleans()},
        ),
        "http response splits": (
            lambda data, eof: check_split_free(data, False, eof),
            {"data": messages(False), "eof": st.booleans()},
        ),
        "http limits": (
            lambda data, step: check_bounded(data, data.startswith(b"GET"), step),
            {"data": messages(True) | messages(False), "step": st.integers(1, 9)},
        ),
        "websocket core": (_ws, {"case": ws_cases()}),
        "websocket accept over a socket": (check_accept, {"data": upgrade_requests()}),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=1000, help="examples per property")
    parser.add_argument("--only", help="run only the properties whose name contains this")
    args = parser.parse_args(argv)
    for name, (check, strategies) in _properties().items():
        if args.only and args.only not in name:
            continue
        started = time.perf_counter()
        test = settings(
            max_examples=args.examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )(given(**strategies)(check))
        test()
        print(f"{name}: {args.examples} examples passed in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Feed parser input every way it can arrive, and check that the outcome never depends on it.

``feed_all_ways`` drives a fresh parser the way an I/O driver does (a growing buffer, put,
consume, need_more -> read more, put_eof at the end) with the input whole, one octet at a
time and split at every position, in eager and non-eager mode, passing bytes, bytearray and
memoryview in turn. It asserts that all runs agree and returns the common outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from asiolike.beast import http
from asiolike.beast.core.multi_buffer import multi_buffer
from asiolike.error import error_code, success

Parser = http.request_parser | http.response_parser


@dataclass(frozen=True)
class Outcome:
    """What a run produced: the error name, octets consumed, and the message if done.

    ``consumed`` is not part of the comparison: once a run fails or stops for more input in
    a body, how much it took depends on how the octets arrived. ``feed_all_ways`` compares it
    for successful runs.
    """

    ec: str
    consumed: int = field(compare=False)
    done: bool
    header_done: bool
    start_line: tuple[Any, ...] | None
    fields: tuple[tuple[str, str], ...] | None
    body: bytes | None


def _snapshot(parser: Parser, ec: error_code, consumed: int) -> Outcome:
    msg = parser.get()
    start: tuple[Any, ...] | None = None
    header = parser.is_header_done()
    if header:
        if isinstance(msg, http.request):
            start = (msg.method_string(), msg.target(), msg.version())
        else:
            start = (msg.version(), msg.result_int(), msg.reason())
    done = parser.is_done()
    return Outcome(
        ec=ec.name() if ec else "success",
        consumed=consumed,
        done=done,
        header_done=header,
        start_line=start,
        fields=tuple(msg) if header else None,
        body=_body_octets(msg.body) if done else None,
    )


def _body_octets(body: Any) -> bytes | None:
    # The octets of an in-memory body (string, vector or dynamic body); None for others.
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    if isinstance(body, multi_buffer):
        return b"".join(bytes(view) for view in body.data())
    return None


def drive(
    parser: Parser, pieces: list[bytes], *, eof: bool, kind: type = bytes
) -> tuple[error_code, int]:
    """Run ``parser`` over ``pieces`` like an I/O driver; return the final code and count."""
    buf = bytearray()
    consumed = 0
    for piece in pieces:
        buf += piece
        while buf:
            data = kind(buf) if kind is not memoryview else memoryview(bytes(buf))
            used, ec = parser.put(data)
            assert 0 <= used <= len(buf)
            del buf[:used]
            consumed += used
            if ec == http.error.need_more:
                break
            if ec:
                return ec, consumed
            if parser.is_done():
                return success, consumed
            if used == 0:
                raise AssertionError("put() made no progress without asking for more")
    if eof:
        return parser.put_eof(), consumed
    return (success if parser.is_done() else http.error.need_more), consumed


def splits(data: bytes) -> Iterator[list[bytes]]:
    """Whole, one octet at a time, then split in two at every position."""
    yield [data]
    if len(data) > 1:
        yield [data[i : i + 1] for i in range(len(data))]
        for i in range(1, len(data)):
            yield [data[:i], data[i:]]


def feed_all_ways(
    make: Callable[[], Parser],
    data: bytes,
    *,
    eof: bool = False,
    eager_modes: tuple[bool, ...] = (True, False),
) -> tuple[Outcome, Parser]:
    """Parse ``data`` every way; assert the outcomes agree; return it and a whole-input parser.

    Args:
        make: Creates a configured parser (limits, skip...).
        data: The input.
        eof: Whether the input ends with the peer closing (``put_eof``).
        eager_modes: The eager settings to try.
    """
    kinds = (bytes, bytearray, memoryview)
    reference: Outcome | None = None
    first: Parser | None = None
    for eager in eager_modes:
        for index, pieces in enumerate(splits(data)):
            parser = make()
            parser.eager(eager)
            ec, consumed = drive(parser, pieces, eof=eof, kind=kinds[index % 3])
            outcome = _snapshot(parser, ec, consumed)
            if reference is None:
                reference, first = outcome, parser
            elif outcome != reference or (
                outcome.ec == "success" and outcome.consumed != reference.consumed
            ):
                raise AssertionError(
                    f"eager={eager} pieces={[len(p) for p in pieces]}: {outcome} != {reference}"
                )
            if ec and ec != http.error.need_more:
                # A failed parser keeps failing with the same code, at the end of input too.
                assert parser.put(b"more") == (0, ec)
                assert parser.put_eof() == ec
    assert reference is not None and first is not None
    return reference, first


def parse_request(data: bytes, **options: Any) -> tuple[Outcome, http.request_parser]:
    """``feed_all_ways`` with a default request parser (``eof=``, ``eager_modes=``)."""
    outcome, parser = feed_all_ways(http.request_parser, data, **options)
    assert isinstance(parser, http.request_parser)
    return outcome, parser


def parse_response(data: bytes, **options: Any) -> tuple[Outcome, http.response_parser]:
    """``feed_all_ways`` with a default response parser (``eof=``, ``eager_modes=``)."""
    outcome, parser = feed_all_ways(http.response_parser, data, **options)
    assert isinstance(parser, http.response_parser)
    return outcome, parser

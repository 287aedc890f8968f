"""Fragmented messages read in one go, and input lent to the core (``feed(borrow=True)``).

A message Beast fragments (4 KiB frames by default) often arrives whole in one read; the
core then hands it out as one piece. These tests hold that shortcut to the frame-by-frame
rules: the same bytes, the same errors at the same points, control frames and limits
between fragments, every split of the input, both roles.
"""

from __future__ import annotations

import os

import pytest

from asiolike.beast.websocket import error
from asiolike.beast.websocket._protocol import (
    Connection,
    DataEvent,
    ErrorEvent,
    PingEvent,
)
from asiolike.beast.websocket.rfc6455 import close_code

from ._split import same_for_all_splits
from .test_protocol import frame, run, server_frame


def fragments(op: int, payload: bytes, step: int, masked: bool) -> bytes:
    """``payload`` as frames of ``step`` bytes (the first with ``op``, the last with FIN)."""
    pieces = [payload[i : i + step] for i in range(0, len(payload), step)] or [b""]
    out = b""
    for i, piece in enumerate(pieces):
        fin = i == len(pieces) - 1
        op_i = op if i == 0 else 0
        out += frame(op_i, piece, fin) if masked else server_frame(op_i, piece, fin)
    return out


def events_of(conn: Connection, data: bytes | memoryview, borrow: bool = False) -> list[object]:
    conn.feed(data, borrow)
    out: list[object] = []
    while (ev := conn.next_event()) is not None:
        out.append(ev)
    return out


@pytest.mark.parametrize("server", [True, False])
@pytest.mark.parametrize("op", [1, 2])
def test_a_whole_fragmented_message_is_one_piece(server: bool, op: int) -> None:
    payload = (b"abcdefgh" * 1200) if op == 1 else os.urandom(9000)
    conn = Connection(server)
    evs = events_of(conn, fragments(op, payload, 1000, masked=server))
    assert len(evs) == 1
    ev = evs[0]
    assert isinstance(ev, DataEvent) and ev.fin and ev.data == payload
    assert conn.is_message_done() and conn.got_text() == (op == 1)


@pytest.mark.parametrize("server", [True, False])
def test_fragments_read_the_same_in_every_split(server: bool) -> None:
    payload = bytes(range(256)) * 3
    data = fragments(2, payload, 100, masked=server) + fragments(1, b"next message", 5, server)
    result = same_for_all_splits(data, lambda chunks: run(chunks, server=server))
    assert result == [("binary", payload), ("text", b"next message")]


def test_a_ping_between_fragments_comes_in_order() -> None:
    data = frame(2, b"one", fin=False) + frame(0, b"two", fin=False)
    data += frame(9, b"p") + frame(0, b"three", fin=False) + frame(0, b"four")
    evs = events_of(Connection(True), data)
    assert [type(ev) for ev in evs] == [DataEvent, PingEvent, DataEvent]
    first, ping, rest = evs
    assert isinstance(first, DataEvent) and first.data == b"onetwo" and not first.fin
    assert isinstance(ping, PingEvent) and ping.payload == b"p"
    assert isinstance(rest, DataEvent) and rest.data == b"threefour" and rest.fin


def test_invalid_utf8_in_a_later_fragment_delivers_the_pieces_before_it() -> None:
    good = "κόσμε".encode()
    data = frame(1, good, fin=False) + frame(0, good, fin=False)
    data += frame(0, b"\xff", fin=False) + frame(0, good)
    conn = Connection(True)
    evs = events_of(conn, data)
    assert len(evs) == 2
    piece, err = evs
    assert isinstance(piece, DataEvent) and piece.data == good + good and not piece.fin
    assert isinstance(err, ErrorEvent)
    assert err.error == error.bad_frame_payload and err.code == close_code.bad_payload
    assert conn.failed and conn.next_event() is None


def test_a_message_ending_inside_a_code_point_fails_at_its_last_fragment() -> None:
    data = frame(1, b"ok", fin=False) + frame(0, b"\xce", fin=False) + frame(0, b"")
    evs = events_of(Connection(True), data)
    # "ok" and the first byte of a code point are valid so far: the empty last frame fails.
    assert len(evs) == 2
    assert isinstance(evs[0], DataEvent) and evs[0].data == b"ok\xce" and not evs[0].fin
    assert isinstance(evs[-1], ErrorEvent) and evs[-1].error == error.bad_frame_payload


def test_read_message_max_stops_between_fragments() -> None:
    data = fragments(2, b"x" * 250, 100, masked=True)
    evs = events_of(Connection(True, read_message_max=220), data)
    piece, err = evs
    assert isinstance(piece, DataEvent) and piece.data == b"x" * 200 and not piece.fin
    assert isinstance(err, ErrorEvent) and err.error == error.message_too_big
    assert err.code == close_code.too_big


def test_a_read_limit_bounds_the_piece() -> None:
    conn = Connection(False)
    conn.feed(fragments(2, b"y" * 500, 100, masked=False))
    sizes = []
    while (ev := conn.next_event(250)) is not None:
        assert isinstance(ev, DataEvent)
        sizes.append(len(ev.data))
    assert sizes == [200, 200, 100]


def test_a_run_of_alike_frames_ends_at_a_partial_frame() -> None:
    data = fragments(2, b"z" * 1000, 100, masked=True)
    conn = Connection(True)
    evs = events_of(conn, data[:-50])
    # Nine whole frames in one piece, then what there is of the tenth as it arrives.
    assert [len(ev.data) for ev in evs if isinstance(ev, DataEvent)] == [900, 50]
    assert not conn.is_message_done()
    evs = events_of(conn, data[-50:])
    assert [len(ev.data) for ev in evs if isinstance(ev, DataEvent)] == [50]
    assert conn.is_message_done()


def test_borrowed_input_is_copied_before_reuse() -> None:
    data = fragments(2, b"q" * 300, 100, masked=True)
    recv = bytearray(len(data))
    recv[:] = data
    view = memoryview(recv)
    conn = Connection(True)
    cut = len(data) - 103  # inside the third frame's header (frames are 106 bytes)
    evs = events_of(conn, view[:cut], borrow=True)
    assert [ev.data for ev in evs if isinstance(ev, DataEvent)] == [b"q" * 200]
    conn.own_input()  # what the stream does before its next read reuses the buffer
    recv[:cut] = b"\xee" * cut  # the next read overwrites the memory
    evs = events_of(conn, bytes(data[cut:]))
    assert len(evs) == 1
    assert isinstance(evs[0], DataEvent) and evs[0].data == b"q" * 100 and evs[0].fin


def test_borrowed_input_is_never_resized() -> None:
    # Bytes fed while a borrowed remainder is pending land in memory of the core's own.
    recv = bytearray(frame(2, b"abc", fin=False)[:5])
    conn = Connection(True)
    assert events_of(conn, memoryview(recv), borrow=True) == []
    evs = events_of(conn, frame(2, b"abc")[5:] + frame(0, b"!"), borrow=True)
    assert len(recv) == 5
    assert isinstance(evs[0], DataEvent) and evs[0].data == b"abc!"


@pytest.mark.parametrize("server", [True, False])
def test_a_frame_with_a_64_bit_length_in_one_step(server: bool) -> None:
    payload = os.urandom(70_000)
    data = frame(2, payload) if server else server_frame(2, payload)
    recv = bytearray(data)
    conn = Connection(server)
    evs = events_of(conn, memoryview(recv), borrow=True)
    assert len(evs) == 1
    ev = evs[0]
    assert isinstance(ev, DataEvent) and ev.fin and ev.data == payload
    # Unmasked data of lent input is a view of it, masked data a new object.
    assert isinstance(ev.data, memoryview) != server


def test_unmasked_data_of_lent_input_is_a_view_until_own_input() -> None:
    data = server_frame(2, b"x" * 200, fin=False) + server_frame(0, b"tail")
    recv = bytearray(data)
    conn = Connection(False)
    cut = len(data) - 3  # the last frame is partial: its data comes through _plain
    evs = events_of(conn, memoryview(recv)[:cut], borrow=True)
    pieces = [ev.data for ev in evs if isinstance(ev, DataEvent)]
    assert [bytes(p) for p in pieces] == [b"x" * 200, b"t"]
    assert all(isinstance(p, memoryview) for p in pieces)
    conn.own_input()
    recv[:] = bytes(len(recv))  # the stream's next read may overwrite it all
    evs = events_of(conn, data[cut:])
    assert [ev.data for ev in evs if isinstance(ev, DataEvent)] == [b"ail"]

"""Tests for asiolike.beast.websocket._deflate: options, negotiation, (de)compression."""

from __future__ import annotations

import os
import zlib

import pytest

from asiolike.beast.websocket import error
from asiolike.beast.websocket._deflate import (
    DeflateParams,
    Deflater,
    Inflater,
    check_response_extensions,
    make_offer,
    negotiate,
    params_from_response,
    permessage_deflate,
)
from asiolike.error import success

ON = permessage_deflate(server_enable=True, client_enable=True)


def test_option_defaults_are_beasts() -> None:
    o = permessage_deflate()
    assert (o.server_enable, o.client_enable) == (False, False)
    assert (o.server_max_window_bits, o.client_max_window_bits) == (15, 15)
    assert (o.server_no_context_takeover, o.client_no_context_takeover) == (False, False)
    assert (o.comp_level, o.mem_level, o.msg_size_threshold) == (8, 4, 0)
    assert o == permessage_deflate()
    assert hash(o) == hash(permessage_deflate())
    assert o != ON
    assert "comp_level=8" in repr(o)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"server_max_window_bits": 8},
        {"client_max_window_bits": 16},
        {"comp_level": 10},
        {"comp_level": -1},
        {"mem_level": 0},
        {"mem_level": 10},
        {"msg_size_threshold": -1},
    ],
)
def test_option_validation(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        permessage_deflate(**kwargs)  # type: ignore[arg-type]


def test_offer_is_written_as_beast_writes_it() -> None:
    assert make_offer(ON) == (
        "permessage-deflate; server_max_window_bits=15; client_max_window_bits=15"
    )
    o = permessage_deflate(
        client_enable=True,
        server_max_window_bits=10,
        client_max_window_bits=9,
        server_no_context_takeover=True,
        client_no_context_takeover=True,
    )
    assert make_offer(o) == (
        "permessage-deflate; server_max_window_bits=10; client_max_window_bits=9; "
        "server_no_context_takeover; client_no_context_takeover"
    )


NEGOTIATIONS = [
    # (offer, our options, response value or None, params)
    ("permessage-deflate", ON, "permessage-deflate", DeflateParams(15, 15, False, False)),
    (
        "permessage-deflate; client_max_window_bits",
        ON,
        "permessage-deflate",
        DeflateParams(15, 15, False, False),
    ),
    (
        "permessage-deflate; client_max_window_bits",
        permessage_deflate(server_enable=True, client_max_window_bits=10),
        "permessage-deflate; client_max_window_bits=10",
        DeflateParams(15, 10, False, False),
    ),
    (
        "permessage-deflate; server_max_window_bits=15; client_max_window_bits=15",
        ON,
        "permessage-deflate; client_max_window_bits=15",
        DeflateParams(15, 15, False, False),
    ),
    (
        "permessage-deflate; server_max_window_bits=10; client_max_window_bits=12",
        permessage_deflate(server_enable=True, client_max_window_bits=11),
        "permessage-deflate; server_max_window_bits=10; client_max_window_bits=11",
        DeflateParams(10, 11, False, False),
    ),
    (
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
        ON,
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
        DeflateParams(15, 15, True, True),
    ),
    (
        "permessage-deflate",
        permessage_deflate(server_enable=True, server_no_context_takeover=True),
        "permessage-deflate; server_no_context_takeover",
        DeflateParams(15, 15, True, False),
    ),
    (
        "permessage-deflate; server_max_window_bits=8",
        ON,
        "permessage-deflate; server_max_window_bits=8",
        DeflateParams(8, 15, False, False),
    ),
    # An offer without client_max_window_bits cannot be answered with a smaller window.
    (
        "permessage-deflate",
        permessage_deflate(server_enable=True, client_max_window_bits=9),
        None,
        None,
    ),
    # Invalid offers are declined; the next offer is tried.
    ("permessage-deflate; server_max_window_bits", ON, None, None),
    ("permessage-deflate; server_max_window_bits=7", ON, None, None),
    ("permessage-deflate; server_max_window_bits=16", ON, None, None),
    ("permessage-deflate; server_max_window_bits=010", ON, None, None),
    ("permessage-deflate; client_max_window_bits=1x", ON, None, None),
    ("permessage-deflate; server_no_context_takeover=1", ON, None, None),
    ("permessage-deflate; server_no_context_takeover; server_no_context_takeover", ON, None, None),
    ("permessage-deflate; client_max_window_bits; client_max_window_bits=10", ON, None, None),
    ("permessage-deflate; x=1", ON, None, None),
    ("x-webkit-deflate-frame", ON, None, None),
    (
        "permessage-deflate; bogus, permessage-deflate; client_no_context_takeover",
        ON,
        "permessage-deflate; client_no_context_takeover",
        DeflateParams(15, 15, False, True),
    ),
    ("x-foo, PERMESSAGE-DEFLATE", ON, "permessage-deflate", DeflateParams(15, 15, False, False)),
    (
        'permessage-deflate; server_max_window_bits="12"',
        ON,
        "permessage-deflate; server_max_window_bits=12",
        DeflateParams(12, 15, False, False),
    ),
    ("permessage-deflate;;", ON, None, None),
    ("", ON, None, None),
    ("permessage-deflate", permessage_deflate(client_enable=True), None, None),
    ("permessage-deflate", None, None, None),
]


@pytest.mark.parametrize(("offer", "opts", "value", "params"), NEGOTIATIONS)
def test_negotiate(
    offer: str, opts: permessage_deflate | None, value: str | None, params: DeflateParams | None
) -> None:
    result = negotiate(offer, opts)
    if value is None:
        assert result is None
        return
    assert result is not None
    assert result == (params, value)
    assert params_from_response(value) == params


RESPONSES = [
    ("", None, success),
    ("", ON, success),
    ("permessage-deflate", ON, success),
    ("permessage-deflate", None, error.bad_extension),
    ("permessage-deflate", permessage_deflate(server_enable=True), error.bad_extension),
    ("x-foo", ON, error.bad_extension),
    ("permessage-deflate, permessage-deflate", ON, error.bad_extension),
    ("permessage-deflate; x=1", ON, error.bad_extension),
    ("permessage-deflate; client_max_window_bits", ON, error.bad_extension),
    ("permessage-deflate; server_max_window_bits=16", ON, error.bad_extension),
    ("permessage-deflate; server_max_window_bits=8", ON, success),
    ("permessage-deflate; client_max_window_bits=8", ON, success),
    (
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        ON,
        error.bad_extension,
    ),
    ("permessage-deflate; junk junk", ON, error.bad_extension),
    (
        "permessage-deflate; server_max_window_bits=12",
        permessage_deflate(client_enable=True, server_max_window_bits=10),
        error.bad_extension,
    ),
    (
        "permessage-deflate; server_max_window_bits=10",
        permessage_deflate(client_enable=True, server_max_window_bits=10),
        success,
    ),
    (
        "permessage-deflate",
        permessage_deflate(client_enable=True, server_max_window_bits=10),
        error.bad_extension,
    ),
    (
        "permessage-deflate; client_max_window_bits=12",
        permessage_deflate(client_enable=True, client_max_window_bits=10),
        error.bad_extension,
    ),
    (
        "permessage-deflate",
        permessage_deflate(client_enable=True, server_no_context_takeover=True),
        error.bad_extension,
    ),
    (
        "permessage-deflate; server_no_context_takeover",
        permessage_deflate(client_enable=True, server_no_context_takeover=True),
        success,
    ),
    ("permessage-deflate; client_no_context_takeover", ON, success),
]


@pytest.mark.parametrize(("value", "opts", "expected"), RESPONSES)
def test_check_response_extensions(
    value: str, opts: permessage_deflate | None, expected: object
) -> None:
    assert check_response_extensions(value, opts) == expected


def test_params_from_response_on_the_client() -> None:
    opts = permessage_deflate(
        client_enable=True, client_max_window_bits=10, client_no_context_takeover=True
    )
    assert params_from_response("permessage-deflate", opts) == DeflateParams(15, 10, False, True)
    assert params_from_response(
        "permessage-deflate; client_max_window_bits=9; server_max_window_bits=11", opts
    ) == DeflateParams(11, 9, False, True)
    with pytest.raises(ValueError):
        params_from_response("x-foo; a")
    assert repr(DeflateParams()).startswith("DeflateParams(")
    assert hash(DeflateParams()) == hash(DeflateParams())


MESSAGES = [
    b"",
    b"a",
    b"hello hello hello hello",
    os.urandom(3000),
    b"xyz" * 20000,
    bytes(range(256)) * 300,
]


@pytest.mark.parametrize("takeover", [True, False])
@pytest.mark.parametrize("bits", [9, 12, 15])
def test_round_trip(takeover: bool, bits: int) -> None:
    deflater = Deflater(bits, not takeover, comp_level=6, mem_level=8)
    inflater = Inflater(not takeover)
    assert deflater.enabled
    for _ in range(2):
        for msg in MESSAGES:
            wire = deflater.compress(msg, True)
            assert not wire.endswith(b"\x00\x00\xff\xff") or len(wire) < 5
            out = inflater.inflate(wire, len(msg) + 1)
            out += inflater.finish(len(msg) + 1)
            assert out == msg
            assert not inflater.more
            inflater.end_message()
    # With context takeover a repeated message is nearly free, without it costs the same.
    noise = os.urandom(200)  # zlib reaches back 250 bytes with 9 bits
    first = deflater.compress(noise, True)
    second = deflater.compress(noise, True)
    assert len(first) > 200
    assert (len(second) < 50) == takeover
    for wire in (first, second):
        assert inflater.inflate(wire, 201) + inflater.finish(201) == noise
        inflater.end_message()


def test_empty_message_is_one_zero_byte() -> None:
    # RFC 7692 7.2.3.6: an empty message compresses to a single 0x00.
    assert Deflater(15, False).compress(b"", True) == b"\x00"


def test_pieces_of_a_message_are_flushed() -> None:
    deflater = Deflater(15, False)
    inflater = Inflater(False)
    first = deflater.compress(b"abc" * 100, False)
    assert first.endswith(b"\x00\x00\xff\xff")
    assert inflater.inflate(first, 10_000) == b"abc" * 100
    last = deflater.compress(b"def", True)
    assert inflater.inflate(last, 10_000) + inflater.finish(10_000) == b"def"


def test_rfc7692_example() -> None:
    # RFC 7692 7.2.3.1: "Hello" compressed.
    inflater = Inflater(False)
    wire = bytes.fromhex("f248cdc9c90700")
    assert inflater.inflate(wire, 100) + inflater.finish(100) == b"Hello"


def test_window_of_8_bits_disables_compression() -> None:
    assert not Deflater(8, False).enabled
    assert Deflater(9, False).enabled


def test_inflate_is_bounded_by_max_length() -> None:
    bomb = Deflater(15, False).compress(b"\x00" * 10_000_000, True)
    assert len(bomb) < 20_000
    inflater = Inflater(False)
    out = inflater.inflate(bomb, 1000)
    assert out == b"\x00" * 1000
    assert inflater.more
    total = len(out)
    while inflater.more and total < 50_000:
        total += len(inflater.resume(1000))
    assert total == 50_000


def test_corrupt_data_raises_zlib_error() -> None:
    with pytest.raises(zlib.error):
        Inflater(False).inflate(b"\xff\xff\xff\xff", 100)


def test_data_after_final_block_is_an_error_and_end_message_recovers() -> None:
    z = zlib.compressobj(wbits=-15)
    final = z.compress(b"abc") + z.flush(zlib.Z_FINISH)
    inflater = Inflater(False)
    assert inflater.inflate(final, 100) == b"abc"
    inflater.end_message()  # the stream ended: start afresh
    assert inflater.inflate(final, 100) == b"abc"
    with pytest.raises(zlib.error):
        Inflater(False).inflate(final + b"\x00", 100)


def test_interoperates_with_websockets_permessage_deflate() -> None:
    pmd = pytest.importorskip("websockets.extensions.permessage_deflate")
    frames = pytest.importorskip("websockets.frames")
    for takeover in (True, False):
        theirs = pmd.PerMessageDeflate(not takeover, not takeover, 15, 15)
        deflater = Deflater(15, not takeover)
        inflater = Inflater(not takeover)
        for msg in MESSAGES[1:]:
            # ours -> theirs
            frame = frames.Frame(frames.Opcode.BINARY, deflater.compress(msg, True), rsv1=True)
            assert theirs.decode(frame).data == msg
            # theirs -> ours
            encoded = theirs.encode(frames.Frame(frames.Opcode.BINARY, msg))
            assert encoded.rsv1
            out = inflater.inflate(encoded.data, len(msg) + 1)
            out += inflater.finish(len(msg) + 1)
            inflater.end_message()
            assert out == msg

"""Tests for asiolike.beast.websocket._mask (and the optional C accelerator)."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable

import pytest

from asiolike.beast.websocket import _mask
from asiolike.beast.websocket._mask import make_key, mask, py_mask

try:
    from asiolike.beast.websocket import _speedups
except ImportError:  # built without a compiler: the pure-Python masking is in use
    _speedups = None  # type: ignore[assignment]

MaskFn = Callable[..., bytes]
IMPLEMENTATIONS = [pytest.param(py_mask, id="python")] + (
    [] if _speedups is None else [pytest.param(_speedups.mask, id="c")]
)


def slow_mask(data: bytes, key: bytes, offset: int = 0) -> bytes:
    return bytes(b ^ key[(i + offset) % 4] for i, b in enumerate(data))


def test_mask_is_the_accelerator_when_built() -> None:
    assert _mask.accelerated is (_speedups is not None)
    assert mask is (py_mask if _speedups is None else _speedups.mask)


@pytest.mark.parametrize("fn", IMPLEMENTATIONS)
def test_rfc6455_example(fn: MaskFn) -> None:
    # RFC 6455 section 5.7: a masked "Hello".
    key = bytes.fromhex("37fa213d")
    assert fn(b"Hello", key) == bytes.fromhex("7f9f4d5158")
    assert fn(bytes.fromhex("7f9f4d5158"), key) == b"Hello"


@pytest.mark.parametrize("fn", IMPLEMENTATIONS)
def test_empty(fn: MaskFn) -> None:
    assert fn(b"", b"abcd") == b""
    assert fn(b"", b"abcd", 3) == b""


# Sizes around the pure-Python switch from integers to translate lanes (512) and around the
# C loop's 8-byte steps.
@pytest.mark.parametrize(
    "size", [1, 2, 3, 4, 5, 7, 8, 9, 125, 511, 512, 513, 1023, 1024, 1025, 4096, 65536, 70001]
)
@pytest.mark.parametrize("offset", [0, 1, 2, 3, 6])
@pytest.mark.parametrize("fn", IMPLEMENTATIONS)
def test_matches_bytewise_definition(fn: MaskFn, size: int, offset: int) -> None:
    data = os.urandom(size)
    key = os.urandom(4)
    out = fn(data, key, offset)
    assert type(out) is bytes
    assert out == slow_mask(data, key, offset)


@pytest.mark.parametrize("fn", IMPLEMENTATIONS)
def test_leading_zero_and_ff_bytes_survive(fn: MaskFn) -> None:
    # Integers drop leading zeros: the length must still be kept.
    key = b"\xff\xff\xff\xff"
    assert fn(b"\xff" * 2000, key) == b"\x00" * 2000
    assert fn(b"\xff" * 7, key) == b"\x00" * 7
    assert fn(b"\x00" * 7, b"\x00\x00\x00\x00") == b"\x00" * 7


@pytest.mark.parametrize("fn", IMPLEMENTATIONS)
def test_masking_in_pieces_equals_masking_whole(fn: MaskFn) -> None:
    data = os.urandom(1300)
    key = os.urandom(4)
    whole = fn(data, key)
    for cut in range(0, len(data) + 1, 7):
        assert fn(data[:cut], key) + fn(data[cut:], key, cut) == whole
    pieces = b"".join(fn(data[i : i + 1], key, i) for i in range(300))
    assert pieces == whole[:300]


@pytest.mark.parametrize("fn", IMPLEMENTATIONS)
def test_accepts_bytearray_and_memoryview(fn: MaskFn) -> None:
    data = os.urandom(2048)
    key = os.urandom(4)
    expected = slow_mask(data, key, 1)
    assert fn(bytearray(data), key, 1) == expected
    assert fn(memoryview(data), key, 1) == expected
    assert fn(memoryview(bytearray(data))[5:], key, 6) == expected[5:]


@pytest.mark.skipif(_speedups is None, reason="built without the C accelerator")
def test_accelerator_checks_its_arguments() -> None:
    assert _speedups is not None
    with pytest.raises(ValueError, match="4 bytes"):
        _speedups.mask(b"data", b"abc")
    with pytest.raises(TypeError):
        _speedups.mask("text", b"abcd")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        _speedups.mask(b"data")  # type: ignore[call-arg]
    # A strided view is masked as its bytes; a huge offset only counts modulo 4.
    data = os.urandom(101)
    key = os.urandom(4)
    strided = memoryview(bytearray(data))[::2]
    assert _speedups.mask(strided, key, 1) == slow_mask(bytes(strided), key, 1)
    assert _speedups.mask(data, key, 2**70 + 3) == slow_mask(data, key, 3)
    assert _speedups.mask(data, key, -1) == slow_mask(data, key, 3)


def test_matches_websockets_apply_mask() -> None:
    frames = pytest.importorskip("websockets.frames")
    for size in (0, 3, 126, 4096, 65536):
        data = os.urandom(size)
        key = os.urandom(4)
        assert mask(data, key) == frames.apply_mask(data, key)
        assert py_mask(data, key) == frames.apply_mask(data, key)


def test_make_key() -> None:
    keys = [make_key() for _ in range(1000)]  # more than one pool of 256 keys
    assert all(type(k) is bytes and len(k) == 4 and k != b"\x00\x00\x00\x00" for k in keys)
    assert len(set(keys)) > 990


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_does_not_reuse_the_parents_keys() -> None:
    make_key()  # the parent has a pool now
    r, w = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12+ warns about fork() in a process with threads; the child only
        # computes keys and writes them to the pipe.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(r)
        os.write(w, b"".join(make_key() for _ in range(8)))
        os._exit(0)
    os.close(w)
    child = b""
    while len(child) < 32:
        chunk = os.read(r, 32)
        if not chunk:
            break
        child += chunk
    os.close(r)
    os.waitpid(pid, 0)
    parent = b"".join(make_key() for _ in range(8))
    assert len(child) == 32 and child != parent

"""Tests for asiolike.beast.core.flat_buffer: flat_buffer, buffers_to_string, make_printable."""

from __future__ import annotations

import array
import os
import subprocess
import sys
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asiolike.beast.core.flat_buffer import buffers_to_string, flat_buffer, make_printable
from asiolike.buffer import DynamicBuffer, buffer_overflow_error, dynamic_buffer, streambuf

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def fill(fb: flat_buffer, payload: bytes) -> None:
    view = fb.prepare(len(payload))
    view[:] = payload
    view.release()
    fb.commit(len(payload))


def readable(fb: flat_buffer) -> bytes:
    view = fb.data()
    try:
        return bytes(view)
    finally:
        view.release()


# -- flat_buffer ----------------------------------------------------------------------


def test_new_buffer_is_empty() -> None:
    fb = flat_buffer()
    assert fb.size() == 0
    assert fb.capacity() == 0
    assert fb.max_size() > 1 << 60
    assert readable(fb) == b""
    assert isinstance(fb, DynamicBuffer)
    assert not isinstance(fb, streambuf)


def test_limit_is_the_constructor_argument() -> None:
    assert flat_buffer(8192).max_size() == 8192
    assert flat_buffer(max_size=5).max_size() == 5
    with pytest.raises(ValueError, match="max_size must be >= 0"):
        flat_buffer(-1)


def test_read_cycle() -> None:
    fb = flat_buffer()
    view = fb.prepare(10)
    assert len(view) == 10
    view[:4] = b"ping"
    del view
    fb.commit(4)
    assert fb.size() == 4
    assert readable(fb) == b"ping"
    fill(fb, b"pong")
    assert readable(fb) == b"pingpong"
    fb.consume(4)
    assert readable(fb) == b"pong"
    fb.consume(99)
    assert fb.size() == 0


def test_commit_is_capped_by_prepare() -> None:
    fb = flat_buffer()
    fb.prepare(2)[:] = b"ok"
    fb.commit(50)
    assert readable(fb) == b"ok"
    fb.commit(50)
    assert readable(fb) == b"ok"


def test_commit_in_steps_from_one_prepare() -> None:
    fb = flat_buffer()
    fb.prepare(4)[:] = b"abcd"
    fb.commit(1)
    fb.commit(2)
    assert readable(fb) == b"abc"
    fb.commit(9)
    assert readable(fb) == b"abcd"


def test_negative_counts_are_refused() -> None:
    fb = flat_buffer()
    for method in (fb.prepare, fb.commit, fb.consume, fb.reserve):
        with pytest.raises(ValueError, match=">= 0"):
            method(-3)


def test_data_is_writable_and_cdata_is_read_only() -> None:
    fb = flat_buffer()
    fill(fb, b"frame")
    view = fb.data()
    view[0] = ord("F")
    del view
    const = fb.cdata()
    assert const.readonly
    assert bytes(const) == b"Frame"
    with pytest.raises(TypeError):
        const[0] = 0


def test_prepare_beyond_the_limit_raises_buffer_overflow() -> None:
    fb = flat_buffer(16)
    fill(fb, b"x" * 10)
    with pytest.raises(buffer_overflow_error, match="flat_buffer: buffer overflow") as info:
        fb.prepare(7)
    assert info.value.requested == 17
    assert info.value.limit == 16
    assert readable(fb) == b"x" * 10
    fill(fb, b"y" * 6)
    assert fb.size() == 16
    assert fb.capacity() == 16


def test_limit_bounds_growth() -> None:
    fb = flat_buffer(1000)
    for _ in range(50):
        fill(fb, b"z" * (1000 - fb.size()))
        assert fb.capacity() == 1000
        fb.consume(333)


def test_max_size_setter() -> None:
    fb = flat_buffer()
    assert fb.max_size(10) is None
    assert fb.max_size() == 10
    fill(fb, b"0123456789")
    with pytest.raises(buffer_overflow_error):
        fb.prepare(1)
    fb.max_size(4)  # below size(): nothing can be prepared until enough is consumed
    with pytest.raises(buffer_overflow_error):
        fb.prepare(0)
    fb.consume(8)
    fill(fb, b"ab")
    assert readable(fb) == b"89ab"
    with pytest.raises(ValueError, match="max_size must be >= 0"):
        fb.max_size(-1)


def test_clear_keeps_capacity() -> None:
    fb = flat_buffer()
    fill(fb, b"hello world")
    fb.prepare(5)
    capacity = fb.capacity()
    fb.clear()
    assert fb.size() == 0
    assert fb.capacity() == capacity
    fb.commit(5)  # clear() dropped the prepared bytes too
    assert fb.size() == 0
    fill(fb, b"again")
    assert readable(fb) == b"again"
    assert fb.capacity() == capacity


def test_clear_does_not_corrupt_a_held_view() -> None:
    fb = flat_buffer()
    fill(fb, b"keep me")
    held = fb.data()
    fb.clear()
    fill(fb, b"overwrite")
    assert bytes(held) == b"keep me"
    assert readable(fb) == b"overwrite"


def test_reserve_grows_and_keeps_readable_bytes() -> None:
    fb = flat_buffer()
    fill(fb, b"abc")
    fb.reserve(100)
    assert fb.capacity() == 100
    assert readable(fb) == b"abc"
    fb.reserve(10)  # never shrinks
    assert fb.capacity() == 100
    fill(fb, b"d" * 97)
    assert fb.capacity() == 100


def test_reserve_above_the_limit_raises_the_limit() -> None:
    fb = flat_buffer(10)
    fb.reserve(64)
    assert fb.max_size() == 64
    assert fb.capacity() == 64
    fb.reserve(8)
    assert fb.max_size() == 64


def test_reserve_discards_prepared_bytes() -> None:
    fb = flat_buffer()
    fill(fb, b"ab")
    fb.prepare(3)[:] = b"cde"
    fb.reserve(1000)
    fb.commit(3)
    assert readable(fb) == b"ab"


def test_shrink_to_fit() -> None:
    fb = flat_buffer()
    fill(fb, b"x" * 1000)
    fb.consume(990)
    held = fb.data()
    fb.shrink_to_fit()
    assert fb.capacity() == 10
    assert readable(fb) == b"x" * 10
    assert bytes(held) == b"x" * 10
    fb.consume(10)
    fb.shrink_to_fit()
    assert fb.capacity() == 0
    fill(fb, b"new")
    assert readable(fb) == b"new"


def test_shrink_to_fit_when_already_fitting_keeps_the_storage() -> None:
    fb = flat_buffer()
    fb.reserve(16)
    fill(fb, b"x" * 16)
    storage = fb.cdata().obj
    fb.shrink_to_fit()  # capacity == size: Beast returns at once
    assert fb.cdata().obj is storage
    assert fb.capacity() == 16
    empty = flat_buffer()
    empty.shrink_to_fit()
    assert empty.capacity() == 0


def test_shrink_to_fit_discards_prepared_bytes() -> None:
    fb = flat_buffer()
    fill(fb, b"abc")
    view = fb.prepare(1000)
    view[:4] = b"lost"
    view.release()
    fb.shrink_to_fit()
    assert fb.capacity() == 3
    fb.commit(4)  # nothing is prepared any more: commits nothing (Beast: last_ = out_)
    assert readable(fb) == b"abc"
    fill(fb, b"def")
    assert readable(fb) == b"abcdef"


def test_shrink_to_fit_keeps_the_limit() -> None:
    fb = flat_buffer(4096)
    fill(fb, b"y" * 4000)
    fb.consume(3000)
    fb.max_size(512)  # below size(): allowed, every prepare fails until consumed
    fb.shrink_to_fit()
    assert (fb.size(), fb.capacity(), fb.max_size()) == (1000, 1000, 512)
    with pytest.raises(buffer_overflow_error):
        fb.prepare(1)
    fb.consume(600)
    fb.shrink_to_fit()
    assert fb.capacity() == 400
    fill(fb, b"z" * 112)
    assert readable(fb) == b"y" * 400 + b"z" * 112


def test_shrink_to_fit_after_a_large_message_gives_the_memory_back() -> None:
    # The pattern of a long-lived connection: one large message, then small ones.
    fb = flat_buffer()
    fb._append(b"m" * (4 << 20))
    storage = fb.cdata().obj
    fb.consume(fb.size())
    assert fb.capacity() >= 4 << 20
    fb.shrink_to_fit()
    assert fb.capacity() == 0
    assert fb.cdata().obj is not storage
    fb._append(b"small")
    assert (readable(fb), fb.capacity()) == (b"small", 5)


_SHRINK_WITHOUT_MEMORY = """
import resource, sys
from asiolike.beast.core.flat_buffer import flat_buffer

fb = flat_buffer()
fb.reserve(80 << 20)
fill = fb.prepare(64 << 20)
fill[:] = b"q" * (64 << 20)
del fill
fb.commit(64 << 20)
with open("/proc/self/status") as f:
    vm = next(int(line.split()[1]) for line in f if line.startswith("VmSize:")) << 10
# Room for small objects, none for a second copy of the 64 MiB.
resource.setrlimit(resource.RLIMIT_AS, (vm + (16 << 20), resource.RLIM_INFINITY))
try:
    bytearray(64 << 20)
except MemoryError:
    pass
else:
    sys.exit("the limit did not hold")
fb.shrink_to_fit()
assert fb.capacity() == 80 << 20, fb.capacity()
assert fb.size() == 64 << 20
view = fb.data()
assert view[0] == view[-1] == ord("q")
print("unchanged")
"""


def test_shrink_to_fit_that_cannot_allocate_leaves_the_buffer_as_it_was() -> None:
    # Beast's shrink_to_fit is noexcept: a failed allocation is squelched. The address
    # space limit makes the allocation really fail, in a process of its own.
    out = subprocess.run(
        [sys.executable, "-c", _SHRINK_WITHOUT_MEMORY],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert (out.returncode, out.stdout.strip()) == (0, "unchanged"), out.stderr


def test_held_data_views_survive_every_operation() -> None:
    fb = flat_buffer()
    fill(fb, b"snapshot")
    held = fb.data()
    for step in range(300):
        fb.consume(step % 7)
        fill(fb, bytes([step % 256]) * (step % 13))
        if step % 50 == 0:
            fb.shrink_to_fit()
        if step % 70 == 0:
            fb.reserve(fb.capacity() + 16)
        if step % 90 == 0:
            fb.clear()
    assert bytes(held) == b"snapshot"


def test_steady_state_read_loop_allocates_nothing() -> None:
    fb = flat_buffer()
    fb.reserve(4096)
    storage = fb.cdata().obj
    start = time.perf_counter()
    for i in range(100_000):
        view = fb.prepare(1536)
        view[:5] = b"hello"
        del view
        fb.commit(5)
        fb.consume(4 if i & 1 else 6)  # size goes 0, 1, 0, 1...
    assert time.perf_counter() - start < 5.0
    assert fb.capacity() == 4096
    assert fb.cdata().obj is storage


def test_repr() -> None:
    fb = flat_buffer(100)
    fill(fb, b"abcd")
    assert repr(fb) == "<flat_buffer size=4 capacity=4 max_size=100>"


# -- buffers_to_string / make_printable -----------------------------------------------


def test_buffers_to_string_of_buffers() -> None:
    assert buffers_to_string(b"hello") == "hello"
    assert buffers_to_string(bytearray(b"hi")) == "hi"
    assert buffers_to_string(memoryview(b"abcdef")[2:4]) == "cd"
    assert buffers_to_string(b"") == ""


def test_buffers_to_string_of_data_and_of_the_dynamic_buffer() -> None:
    fb = flat_buffer()
    fill(fb, "héllo wörld".encode())
    assert buffers_to_string(fb.data()) == "héllo wörld"
    assert buffers_to_string(fb.cdata()) == "héllo wörld"
    assert buffers_to_string(fb) == "héllo wörld"
    target = bytearray(b"vector")
    assert buffers_to_string(dynamic_buffer(target)) == "vector"


def test_buffers_to_string_joins_a_sequence_before_decoding() -> None:
    encoded = "€".encode()  # three bytes, split across buffers
    parts = [b"price: ", encoded[:1], encoded[1:2], encoded[2:]]
    assert buffers_to_string(parts) == "price: €"
    assert buffers_to_string([b"only"]) == "only"
    assert buffers_to_string([]) == ""


def test_buffers_to_string_replaces_invalid_utf8() -> None:
    assert buffers_to_string(b"ok\xff\xfeok") == "ok\ufffd\ufffdok"


def test_buffers_to_string_error_handler_and_encoding() -> None:
    raw = b"\x00\xff binary \x80"
    text = buffers_to_string(raw, errors="surrogateescape")
    assert text.encode("utf-8", "surrogateescape") == raw
    assert buffers_to_string(b"caf\xe9", encoding="latin-1") == "café"
    with pytest.raises(UnicodeDecodeError):
        buffers_to_string(b"\xff", errors="strict")


def test_buffers_to_string_of_other_formats() -> None:
    words = array.array("H", [0x6968, 0x2121])  # "hi!!" on little-endian machines
    expected = words.tobytes().decode()
    assert buffers_to_string(memoryview(words)) == expected
    assert buffers_to_string(words) == expected


def test_buffers_to_string_refuses_non_buffers() -> None:
    with pytest.raises(TypeError, match="bytes-like"):
        buffers_to_string(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="bytes-like"):
        buffers_to_string("already text")  # type: ignore[arg-type]


def test_make_printable_matches_buffers_to_string() -> None:
    fb = flat_buffer()
    fill(fb, b"HTTP/1.1 200 OK\r\n\xff")
    assert make_printable(fb.data()) == buffers_to_string(fb.data())
    assert make_printable(fb.data()) == "HTTP/1.1 200 OK\r\n\ufffd"
    assert make_printable(fb, encoding="latin-1") == "HTTP/1.1 200 OK\r\n\xff"


# -- property test against a bytes model ----------------------------------------------

OPS = st.lists(
    st.one_of(
        st.tuples(st.just("fill"), st.integers(0, 40), st.integers(0, 50)),
        st.tuples(st.just("consume"), st.integers(0, 60), st.just(0)),
        st.tuples(st.just("hold"), st.just(0), st.just(0)),
        st.tuples(st.just("clear"), st.just(0), st.just(0)),
        st.tuples(st.just("reserve"), st.integers(0, 150), st.just(0)),
        st.tuples(st.just("shrink"), st.just(0), st.just(0)),
        st.tuples(st.just("limit"), st.integers(0, 150), st.just(0)),
    ),
    max_size=40,
)


@given(ops=OPS, limit=st.integers(0, 120))
@settings(max_examples=200, deadline=None)
def test_matches_a_bytes_model(ops: list[tuple[str, int, int]], limit: int) -> None:
    fb = flat_buffer(limit)
    model = b""
    counter = 0
    held: list[tuple[memoryview, bytes]] = []
    for op, a, b in ops:
        if op == "fill":
            counter += 1
            if len(model) + a > limit:
                with pytest.raises(buffer_overflow_error):
                    fb.prepare(a)
            else:
                payload = bytes([counter % 256]) * a
                view = fb.prepare(a)
                assert len(view) == a
                view[:] = payload
                view.release()
                fb.commit(b)
                model += payload[:b]
        elif op == "consume":
            fb.consume(a)
            model = model[a:]
        elif op == "hold":
            view = fb.data()
            held.append((view, bytes(view)))
        elif op == "clear":
            capacity = fb.capacity()
            fb.clear()
            model = b""
            assert fb.capacity() == capacity
        elif op == "reserve":
            fb.reserve(a)
            limit = max(limit, a)
            assert fb.capacity() >= a
        elif op == "shrink":
            fb.shrink_to_fit()
            assert fb.capacity() == len(model)
        else:
            fb.max_size(a)
            limit = a
        assert fb.max_size() == limit
        assert fb.size() == len(model)
        assert readable(fb) == model
        assert bytes(fb.cdata()) == model
        # Growth stays within the limit; only reserve() and a lowered limit leave more.
        assert fb.capacity() <= max(limit, 150)
    for view, snapshot in held:
        assert bytes(view) == snapshot


def test_internal_append_keeps_views_and_limits() -> None:
    # The WebSocket read's one-call append: same bytes as prepare/copy/commit, never
    # overwriting a live data() view, and the same overflow error past max_size().
    fb = flat_buffer()
    fb._append(b"abc")
    fb._append(memoryview(b"def"))
    assert bytes(fb.data()) == b"abcdef"
    view = fb.data()
    fb.consume(6)
    fb._append(b"XYZ")  # empty, but a view holds the old bytes: they stay
    assert bytes(view) == b"abcdef" and bytes(fb.data()) == b"XYZ"
    del view
    fb.consume(3)
    fb._append(b"123")  # empty and no view: starts over at the front
    assert bytes(fb.data()) == b"123" and fb.capacity() >= 3
    small = flat_buffer()
    small._append(b"x" * 8)
    small.consume(8)
    small.max_size(4)  # below the capacity it already has
    with pytest.raises(buffer_overflow_error):
        small._append(b"12345")
    assert small.size() == 0
    small._append(b"1234")
    assert bytes(small.data()) == b"1234"

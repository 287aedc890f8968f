"""Tests for asiolike.buffer: buffer(), buffer_size(), buffer_copy(), dynamic buffers."""

from __future__ import annotations

import array
import time
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asiolike.buffer import (
    DynamicBuffer,
    buffer,
    buffer_copy,
    buffer_overflow_error,
    buffer_size,
    dynamic_buffer,
    dynamic_vector_buffer,
    streambuf,
)


def fill(dyn: DynamicBuffer, payload: bytes) -> None:
    """Append ``payload`` the way a read does: prepare, write, commit."""
    view = dyn.prepare(len(payload))
    view[:] = payload
    view.release()
    dyn.commit(len(payload))


def readable(dyn: DynamicBuffer) -> bytes:
    view = dyn.data()
    try:
        return bytes(view)
    finally:
        view.release()


# -- buffer() -------------------------------------------------------------------------


def test_buffer_of_bytes_is_read_only_byte_view() -> None:
    view = buffer(b"hello")
    assert view.format == "B"
    assert view.ndim == 1
    assert view.readonly
    assert bytes(view) == b"hello"


def test_buffer_of_bytearray_is_writable_and_shares_memory() -> None:
    data = bytearray(b"hello")
    view = buffer(data)
    assert not view.readonly
    view[0] = ord("j")
    assert data == bytearray(b"jello")


def test_buffer_size_limits_the_view() -> None:
    assert bytes(buffer(b"hello", 3)) == b"hel"
    assert bytes(buffer(b"hello", 0)) == b""
    assert bytes(buffer(b"hello", 99)) == b"hello"


def test_buffer_negative_size_is_refused() -> None:
    with pytest.raises(ValueError, match="size must be >= 0"):
        buffer(b"abc", -1)


def test_buffer_casts_other_formats_to_bytes() -> None:
    numbers = array.array("H", [1, 2, 3])
    view = buffer(memoryview(numbers))
    assert view.format == "B"
    assert view.nbytes == 6
    assert len(view) == 6
    assert not view.readonly
    assert bytes(buffer(numbers, 4)) == numbers.tobytes()[:4]


def test_buffer_flattens_multi_dimensional_views() -> None:
    grid = memoryview(bytearray(range(6))).cast("B", (2, 3))
    view = buffer(grid)
    assert view.ndim == 1
    assert bytes(view) == bytes(range(6))


def test_buffer_of_a_memoryview_slice() -> None:
    data = bytearray(b"0123456789")
    view = buffer(memoryview(data)[2:6], 3)
    assert bytes(view) == b"234"
    view[0] = ord("x")
    assert data == bytearray(b"01x3456789")


def test_buffer_refuses_str_with_a_hint() -> None:
    with pytest.raises(TypeError, match=r"encode it first"):
        buffer("text")  # type: ignore[arg-type]


def test_buffer_refuses_non_contiguous_memory() -> None:
    with pytest.raises(TypeError, match="not contiguous"):
        buffer(memoryview(b"abcdef")[::2])
    with pytest.raises(TypeError, match="not contiguous"):
        buffer(memoryview(array.array("H", [1, 2, 3, 4]))[::2])


def test_buffer_refuses_non_buffers() -> None:
    with pytest.raises(TypeError):
        buffer(42)  # type: ignore[arg-type]


# -- buffer_size() --------------------------------------------------------------------


def test_buffer_size_of_single_buffers() -> None:
    assert buffer_size(b"abc") == 3
    assert buffer_size(bytearray(7)) == 7
    assert buffer_size(memoryview(b"abcdef")[1:4]) == 3
    assert buffer_size(array.array("I", [0, 0])) == 2 * array.array("I").itemsize
    assert buffer_size(memoryview(array.array("H", [1, 2, 3]))) == 6
    assert buffer_size(b"") == 0


def test_buffer_size_of_sequences() -> None:
    assert buffer_size([b"ab", bytearray(b"cde"), memoryview(b"f")]) == 6
    assert buffer_size((b"x", b"")) == 1
    assert buffer_size([]) == 0
    assert buffer_size(b for b in (b"12", b"345")) == 5


def test_buffer_size_refuses_non_buffers() -> None:
    with pytest.raises(TypeError, match="bytes-like"):
        buffer_size("abc")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="each element"):
        buffer_size([b"ab", "cd"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="bytes-like"):
        buffer_size(5)  # type: ignore[arg-type]


def test_buffer_size_of_a_dynamic_buffer_points_to_data() -> None:
    with pytest.raises(TypeError, match=r"pass its \.data\(\)"):
        buffer_size(streambuf())  # type: ignore[arg-type]


# -- buffer_copy() --------------------------------------------------------------------


def test_buffer_copy_copies_the_smaller_size() -> None:
    target = bytearray(3)
    assert buffer_copy(target, b"hello") == 3
    assert target == bytearray(b"hel")
    target = bytearray(b"......")
    assert buffer_copy(target, b"hi") == 2
    assert target == bytearray(b"hi....")


def test_buffer_copy_respects_max_size() -> None:
    target = bytearray(b"......")
    assert buffer_copy(target, b"hello", 4) == 4
    assert target == bytearray(b"hell..")
    assert buffer_copy(target, b"xyz", 0) == 0
    assert target == bytearray(b"hell..")
    with pytest.raises(ValueError, match="max_size must be >= 0"):
        buffer_copy(target, b"x", -1)


def test_buffer_copy_into_a_memoryview_slice() -> None:
    target = bytearray(b"0123456789")
    assert buffer_copy(memoryview(target)[4:6], b"abc") == 2
    assert target == bytearray(b"0123ab6789")


def test_buffer_copy_between_sequences() -> None:
    targets = [bytearray(2), bytearray(0), bytearray(3), bytearray(4)]
    sources = [b"a", b"", b"bcd", b"efghij"]
    assert buffer_copy(targets, sources) == 9
    assert targets == [bytearray(b"ab"), bytearray(), bytearray(b"cde"), bytearray(b"fghi")]


def test_buffer_copy_sequences_with_max_size() -> None:
    targets = [bytearray(b"..."), bytearray(b"...")]
    assert buffer_copy(targets, [b"ab", b"cdef"], 4) == 4
    assert targets == [bytearray(b"abc"), bytearray(b"d..")]


def test_buffer_copy_mixed_single_and_sequence() -> None:
    target = bytearray(5)
    assert buffer_copy(target, [b"ab", b"cd", b"ef"]) == 5
    assert target == bytearray(b"abcde")
    parts = [bytearray(1), bytearray(1)]
    assert buffer_copy(parts, b"xyz") == 2
    assert parts == [bytearray(b"x"), bytearray(b"y")]
    assert buffer_copy([], b"abc") == 0


def test_buffer_copy_overlapping_memory() -> None:
    data = bytearray(b"0123456789")
    view = memoryview(data)
    assert buffer_copy(view[2:], view[:6]) == 6
    assert data == bytearray(b"0101234589")


def test_buffer_copy_refuses_read_only_target() -> None:
    with pytest.raises(TypeError, match="read-only"):
        buffer_copy(b"abc", b"xyz")
    with pytest.raises(TypeError, match="read-only"):
        buffer_copy([bytearray(1), b"x"], b"xyz")


@given(
    st.lists(st.integers(0, 6), max_size=5),
    st.lists(st.binary(max_size=6), max_size=5),
    st.one_of(st.none(), st.integers(0, 40)),
)
@settings(max_examples=150, deadline=None)
def test_buffer_copy_matches_a_flat_model(
    target_sizes: list[int], sources: list[bytes], limit: int | None
) -> None:
    targets = [bytearray(b"." * n) for n in target_sizes]
    copied = buffer_copy(targets, sources, limit)
    joined = b"".join(sources)
    expected = min(sum(target_sizes), len(joined), 1 << 30 if limit is None else limit)
    assert copied == expected
    flat = b"".join(targets)
    assert flat == joined[:expected] + b"." * (sum(target_sizes) - expected)


# -- the DynamicBuffer protocol -------------------------------------------------------


def test_implementations_satisfy_the_protocol() -> None:
    assert isinstance(streambuf(), DynamicBuffer)
    assert isinstance(dynamic_buffer(bytearray()), DynamicBuffer)
    assert not isinstance(bytearray(), DynamicBuffer)
    assert type(dynamic_buffer(bytearray())) is dynamic_vector_buffer


Factory = Callable[[int | None], DynamicBuffer]


def _make_streambuf(limit: int | None) -> DynamicBuffer:
    return streambuf(limit)


def _make_dynamic(limit: int | None) -> DynamicBuffer:
    return dynamic_buffer(bytearray(), limit)


FACTORIES = [
    pytest.param(_make_streambuf, id="streambuf"),
    pytest.param(_make_dynamic, id="dynamic_buffer"),
]


@pytest.mark.parametrize("make", FACTORIES)
def test_prepare_commit_consume_cycle(make: Factory) -> None:
    dyn = make(None)
    assert dyn.size() == 0
    view = dyn.prepare(5)
    assert len(view) == 5
    assert not view.readonly
    view[:] = b"hello"
    del view
    assert dyn.size() == 0
    dyn.commit(5)
    assert dyn.size() == 5
    assert readable(dyn) == b"hello"
    fill(dyn, b" world")
    assert readable(dyn) == b"hello world"
    dyn.consume(6)
    assert readable(dyn) == b"world"
    assert dyn.size() == 5
    assert dyn.capacity() >= 5


@pytest.mark.parametrize("make", FACTORIES)
def test_commit_is_capped_by_the_prepared_size(make: Factory) -> None:
    dyn = make(None)
    view = dyn.prepare(3)
    view[:] = b"abc"
    del view
    dyn.commit(100)
    assert readable(dyn) == b"abc"
    dyn.commit(10)  # nothing prepared any more
    assert readable(dyn) == b"abc"


@pytest.mark.parametrize("make", FACTORIES)
def test_partial_commit_drops_the_rest(make: Factory) -> None:
    dyn = make(None)
    view = dyn.prepare(8)
    view[:3] = b"xyz"
    del view
    dyn.commit(3)
    assert readable(dyn) == b"xyz"
    fill(dyn, b"!")
    assert readable(dyn) == b"xyz!"


@pytest.mark.parametrize("make", FACTORIES)
def test_a_new_prepare_replaces_the_previous_one(make: Factory) -> None:
    dyn = make(None)
    fill(dyn, b"ab")
    dyn.prepare(10).release()
    view = dyn.prepare(2)
    assert len(view) == 2
    view[:] = b"cd"
    del view
    dyn.commit(5)
    assert readable(dyn) == b"abcd"


@pytest.mark.parametrize("make", FACTORIES)
def test_consume_more_than_size_empties(make: Factory) -> None:
    dyn = make(None)
    fill(dyn, b"abc")
    dyn.consume(1000)
    assert dyn.size() == 0
    assert readable(dyn) == b""
    dyn.consume(1)
    assert dyn.size() == 0
    fill(dyn, b"z")
    assert readable(dyn) == b"z"


@pytest.mark.parametrize("make", FACTORIES)
def test_zero_sized_operations(make: Factory) -> None:
    dyn = make(0)
    view = dyn.prepare(0)
    assert len(view) == 0
    del view
    dyn.commit(0)
    dyn.consume(0)
    assert dyn.size() == 0
    assert dyn.max_size() == 0


@pytest.mark.parametrize("make", FACTORIES)
def test_negative_counts_are_refused(make: Factory) -> None:
    dyn = make(None)
    with pytest.raises(ValueError, match=r"prepare\(\).*>= 0"):
        dyn.prepare(-1)
    with pytest.raises(ValueError, match=r"commit\(\).*>= 0"):
        dyn.commit(-1)
    with pytest.raises(ValueError, match=r"consume\(\).*>= 0"):
        dyn.consume(-1)


@pytest.mark.parametrize("make", FACTORIES)
def test_max_size_is_an_error_never_silent_growth(make: Factory) -> None:
    dyn = make(10)
    assert dyn.max_size() == 10
    fill(dyn, b"123456")
    with pytest.raises(buffer_overflow_error, match="buffer overflow") as info:
        dyn.prepare(5)
    assert info.value.requested == 11
    assert info.value.limit == 10
    assert isinstance(info.value, ValueError)
    # The failed call changed nothing.
    assert readable(dyn) == b"123456"
    assert dyn.capacity() <= 10
    fill(dyn, b"7890")  # exactly up to the limit is fine
    assert readable(dyn) == b"1234567890"
    with pytest.raises(buffer_overflow_error):
        dyn.prepare(1)
    dyn.consume(3)
    fill(dyn, b"abc")
    assert readable(dyn) == b"4567890abc"
    assert dyn.capacity() <= 10


@pytest.mark.parametrize("make", FACTORIES)
def test_capacity_never_exceeds_max_size(make: Factory) -> None:
    dyn = make(100)
    for i in range(500):
        fill(dyn, bytes([i % 256]) * min(i % 37, 100 - dyn.size()))
        assert dyn.capacity() <= 100
        dyn.consume(i % 41)


@pytest.mark.parametrize("make", FACTORIES)
def test_bad_max_size_is_refused(make: Factory) -> None:
    with pytest.raises(ValueError, match="max_size must be >= 0"):
        make(-1)


def test_many_small_cycles_stay_fast_with_bounded_capacity() -> None:
    for dyn in (streambuf(), dynamic_buffer(bytearray())):
        start = time.perf_counter()
        for i in range(100_000):
            view = dyn.prepare(512)
            view[:3] = b"abc"
            del view
            dyn.commit(3)
            dyn.consume(4 if i & 1 else 2)  # the readable size goes 1, 0, 1, 0...
        assert time.perf_counter() - start < 5.0
        assert dyn.size() == 0
        assert dyn.capacity() <= 4096


def test_cycles_over_a_large_backlog_are_constant_time() -> None:
    # With 1 MiB readable, moving the data on each consume or prepare would copy
    # 100 GB over this loop; the read offset makes each step O(1).
    dyn = streambuf()
    fill(dyn, bytes(1 << 20))
    start = time.perf_counter()
    for _ in range(100_000):
        view = dyn.prepare(16)
        view[:] = b"0123456789abcdef"
        del view
        dyn.commit(16)
        dyn.consume(16)
    assert time.perf_counter() - start < 5.0
    assert dyn.size() == 1 << 20
    assert dyn.capacity() <= 4 << 20
    tail = dyn.data()[-16:]
    assert bytes(tail) == b"0123456789abcdef"


# -- streambuf: storage reuse and live views ------------------------------------------


def test_streambuf_reuses_storage_when_views_are_released() -> None:
    sb = streambuf()
    fill(sb, b"x" * 100)
    first = sb.data()
    storage = first.obj
    first.release()
    for _ in range(1000):
        sb.consume(100)
        fill(sb, b"y" * 100)
    view = sb.data()
    assert view.obj is storage
    assert bytes(view) == b"y" * 100
    assert sb.capacity() == 100


def test_streambuf_data_view_is_not_corrupted_by_later_operations() -> None:
    sb = streambuf()
    fill(sb, b"first message")
    held = sb.data()
    sb.consume(sb.size())
    for i in range(200):
        fill(sb, bytes([65 + i % 26]) * 50)
        sb.consume(50)
    assert bytes(held) == b"first message"
    assert held.obj is not sb.data().obj  # the buffer moved instead of overwriting


def test_streambuf_moves_rather_than_overwrite_a_live_view() -> None:
    sb = streambuf()
    fill(sb, b"a" * 100)
    held = sb.data()
    storage = held.obj
    sb.consume(100)
    fill(sb, b"b" * 100)  # fits the capacity, but sliding back would overwrite `held`
    assert bytes(held) == b"a" * 100
    assert sb.capacity() == 100
    moved = sb.data()
    assert moved.obj is not storage
    storage = moved.obj
    moved.release()
    held.release()
    sb.consume(100)
    fill(sb, b"c" * 100)  # no live view now: the storage is reused in place
    view = sb.data()
    assert view.obj is storage
    assert bytes(view) == b"c" * 100


def test_streambuf_old_views_stay_valid_after_growth() -> None:
    sb = streambuf()
    fill(sb, b"abc")
    held = sb.data()
    fill(sb, b"d" * 10_000)
    assert bytes(held) == b"abc"
    assert readable(sb) == b"abc" + b"d" * 10_000
    held[0] = ord("z")  # writing into the old storage does not touch the new one
    assert readable(sb)[:3] == b"abc"


def test_streambuf_data_is_writable_in_place() -> None:
    sb = streambuf()
    fill(sb, b"mask")
    view = sb.data()
    view[0] = ord("M")
    del view
    assert readable(sb) == b"Mask"


def test_streambuf_repr() -> None:
    sb = streambuf(64)
    fill(sb, b"abc")
    assert repr(sb) == "<streambuf size=3 capacity=3 max_size=64>"


def test_streambuf_growth_doubles() -> None:
    sb = streambuf()
    sizes = []
    for _ in range(10):
        fill(sb, b"x")
        sizes.append(sb.capacity())
    assert sizes == [1, 2, 4, 4, 8, 8, 8, 8, 16, 16]


# -- dynamic_buffer over the user's bytearray -----------------------------------------


def test_dynamic_buffer_data_lands_in_the_users_bytearray() -> None:
    target = bytearray()
    dyn = dynamic_buffer(target)
    fill(dyn, b"GET / HTTP/1.1\r\n")
    assert target == bytearray(b"GET / HTTP/1.1\r\n")
    dyn.consume(4)
    assert target == bytearray(b"/ HTTP/1.1\r\n")


def test_dynamic_buffer_existing_contents_are_readable() -> None:
    target = bytearray(b"left over")
    dyn = dynamic_buffer(target, 64)
    assert dyn.size() == 9
    assert readable(dyn) == b"left over"
    fill(dyn, b"!")
    assert target == bytearray(b"left over!")


def test_dynamic_buffer_prepare_grows_in_place_and_commit_trims() -> None:
    target = bytearray(b"ab")
    dyn = dynamic_buffer(target)
    view = dyn.prepare(6)
    assert len(target) == 8
    assert dyn.size() == 2
    view[:2] = b"cd"
    del view
    dyn.commit(2)
    assert target == bytearray(b"abcd")


def test_dynamic_buffer_data_shares_memory_with_the_target() -> None:
    target = bytearray(b"hello")
    dyn = dynamic_buffer(target)
    view = dyn.data()
    view[0] = ord("J")
    del view
    assert target == bytearray(b"Jello")


def test_dynamic_buffer_sees_changes_made_between_calls() -> None:
    target = bytearray()
    dyn = dynamic_buffer(target)
    fill(dyn, b"abc")
    target.clear()
    assert dyn.size() == 0
    target += b"xy"
    fill(dyn, b"z")
    assert target == bytearray(b"xyz")


def test_dynamic_buffer_refuses_to_resize_under_a_live_view() -> None:
    target = bytearray()
    dyn = dynamic_buffer(target)
    fill(dyn, b"abcdef")
    held = dyn.data()
    with pytest.raises(BufferError, match=r"consume\(\).*release the views"):
        dyn.consume(2)
    with pytest.raises(BufferError, match=r"prepare\(\)"):
        dyn.prepare(4)
    assert bytes(held) == b"abcdef"
    assert dyn.size() == 6
    held.release()
    dyn.consume(2)
    assert target == bytearray(b"cdef")


def test_dynamic_buffer_partial_commit_under_a_live_view() -> None:
    target = bytearray()
    dyn = dynamic_buffer(target)
    view = dyn.prepare(4)
    view[:2] = b"ab"
    with pytest.raises(BufferError, match=r"commit\(\)"):
        dyn.commit(2)
    dyn.commit(4)  # a full commit needs no resize, so it works with the view alive
    assert target == bytearray(b"ab\x00\x00")
    view.release()


def test_dynamic_buffer_needs_a_bytearray() -> None:
    with pytest.raises(TypeError, match="needs a bytearray"):
        dynamic_buffer(b"abc")  # type: ignore[arg-type]


def test_dynamic_buffer_target_larger_than_max_size() -> None:
    with pytest.raises(ValueError, match="already holds 5 bytes"):
        dynamic_buffer(bytearray(5), 4)


def test_dynamic_buffer_large_prepare() -> None:
    target = bytearray()
    dyn = dynamic_buffer(target)
    view = dyn.prepare(200_000)
    assert len(view) == 200_000
    view[-1] = 7
    del view
    dyn.commit(200_000)
    assert len(target) == 200_000
    assert target[-1] == 7


def test_dynamic_buffer_capacity_and_repr() -> None:
    target = bytearray(b"abc")
    dyn = dynamic_buffer(target, 50)
    assert 3 <= dyn.capacity() <= 50
    assert repr(dyn) == "<dynamic_vector_buffer size=3 max_size=50>"
    assert dynamic_buffer(bytearray()).capacity() == 0


# -- property test against a bytes model ----------------------------------------------

OPS = st.lists(
    st.one_of(
        st.tuples(st.just("fill"), st.integers(0, 40), st.integers(0, 50)),
        st.tuples(st.just("consume"), st.integers(0, 60), st.just(0)),
        st.tuples(st.just("hold"), st.just(0), st.just(0)),
    ),
    max_size=40,
)


@pytest.mark.parametrize("make", FACTORIES)
@given(ops=OPS, limit=st.one_of(st.none(), st.integers(0, 120)))
@settings(max_examples=120, deadline=None)
def test_matches_a_bytes_model(
    make: Factory, ops: list[tuple[str, int, int]], limit: int | None
) -> None:
    dyn = make(limit)
    model = b""
    counter = 0
    held: list[tuple[memoryview, bytes]] = []
    owning = isinstance(dyn, streambuf)
    for op, a, b in ops:
        if op == "fill":
            counter += 1
            if limit is not None and len(model) + a > limit:
                with pytest.raises(buffer_overflow_error):
                    dyn.prepare(a)
            else:
                payload = bytes([counter % 256]) * a
                view = dyn.prepare(a)
                assert len(view) == a
                view[:] = payload
                view.release()
                dyn.commit(b)
                model += payload[:b]
        elif op == "consume":
            dyn.consume(a)
            model = model[a:]
        elif owning:  # hold a data() view: it must never change
            view = dyn.data()
            held.append((view, bytes(view)))
        assert dyn.size() == len(model)
        assert readable(dyn) == model
        if limit is not None:
            assert dyn.capacity() <= limit
    for view, snapshot in held:
        assert bytes(view) == snapshot

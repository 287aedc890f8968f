"""Tests for asiolike.async_result: async_initiate and the use_future token."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from typing import Any

import pytest

from asiolike import async_initiate, system_error, use_future, use_future_t
from asiolike.error import eof, error_code, success


class Initiation:
    """An initiation that records what it was given and keeps the handler for later."""

    def __init__(self) -> None:
        self.handler: Callable[..., object] | None = None
        self.args: tuple[Any, ...] = ()

    def __call__(self, handler: Callable[..., object], *args: Any) -> None:
        self.handler = handler
        self.args = args

    def complete(self, *args: object) -> None:
        assert self.handler is not None
        self.handler(*args)


def start_with_future(*args: Any) -> tuple[Initiation, concurrent.futures.Future[Any]]:
    init = Initiation()
    future = async_initiate(init, use_future, *args)
    assert isinstance(future, concurrent.futures.Future)
    return init, future


def test_plain_handler_is_passed_through() -> None:
    init = Initiation()

    def handler(ec: error_code) -> None:
        pass

    assert async_initiate(init, handler, 1, "two") is None
    assert init.handler is handler
    assert init.args == (1, "two")


def test_use_future_is_a_singleton_token() -> None:
    assert isinstance(use_future, use_future_t)
    assert repr(use_future) == "asiolike.use_future"


def test_future_is_running_until_completed() -> None:
    init, future = start_with_future("arg")
    assert init.args == ("arg",)
    assert future.running()
    assert not future.done()
    assert future.cancel() is False  # already running: cannot be cancelled
    init.complete(success)
    assert future.result(0) is None


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((success,), None),
        ((success, 42), 42),
        ((success, b"data"), b"data"),
        ((success, 1, 2), (1, 2)),
        ((), None),
        (("value",), "value"),
        ((1, 2), (1, 2)),
    ],
)
def test_future_results(args: tuple[object, ...], expected: object) -> None:
    init, future = start_with_future()
    init.complete(*args)
    assert future.result(0) == expected


def test_failing_code_raises_system_error() -> None:
    init, future = start_with_future()
    init.complete(eof, 17)
    with pytest.raises(system_error) as info:
        future.result(0)
    assert info.value.code == eof
    assert isinstance(future.exception(0), OSError)


def test_bad_token_raises_type_error() -> None:
    init = Initiation()
    with pytest.raises(TypeError, match="completion handler"):
        async_initiate(init, "token")
    with pytest.raises(TypeError, match="use_future"):
        async_initiate(init, None)
    assert init.handler is None  # nothing was started


def test_initiation_errors_propagate() -> None:
    def bad_initiation(handler: Callable[..., object]) -> None:
        raise ValueError("misuse")

    with pytest.raises(ValueError, match="misuse"):
        async_initiate(bad_initiation, lambda ec: None)
    with pytest.raises(ValueError, match="misuse"):
        async_initiate(bad_initiation, use_future)

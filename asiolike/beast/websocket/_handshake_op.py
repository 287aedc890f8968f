"""The client's opening handshake (Beast's ``impl/handshake.hpp``).

Writes the upgrade request built by the core (with the permessage-deflate offer and the
decorator), reads the response through an HTTP parser, checks it, and opens the stream in
the client role. Octets received after the response are kept: they are the first frames.

The caller's response object, when given, receives the response whenever one was read,
also when the checks refuse it. Transport and HTTP errors are reported as they are
(``http.error.end_of_stream`` when the server closed without answering, ``header_limit``
for an oversized header...), a refused upgrade with its ``websocket.error`` code; the
status is then ``failed``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from asiolike.beast import http
from asiolike.beast.websocket._handshake import (
    build_request,
    check_response,
    make_sec_key,
    negotiated_deflate,
)
from asiolike.beast.websocket._http_io import copy_response, http_reader, read_message_sync
from asiolike.beast.websocket._impl import CLOSED, FAILED, HANDSHAKE
from asiolike.beast.websocket._stream_op import stream_op
from asiolike.beast.websocket._timeout import update_timer
from asiolike.detail.completion import composed_op
from asiolike.detail.handler_check import EC
from asiolike.error import eof, error_code, success, system_error
from asiolike.write import write

if TYPE_CHECKING:
    from asiolike.beast.websocket._impl import stream_impl

__all__ = ["handshake_op", "make_request", "handshake_sync"]

_WRITE: Final = 1
_READ: Final = 2
_need_more: Final = http.error.need_more


def make_request(ws: stream_impl, host: str, target: str) -> tuple[http.request, str]:
    """The upgrade request and its key; validates ``host`` and ``target`` at once.

    Raises:
        ValueError: an empty host or target, or one holding a space or CR/LF.
        TypeError: they are not ``str``.
    """
    key = make_sec_key()
    req = build_request(host, target, key, ws._decorator, ws._pmd)
    return req, key


def _finish_response(
    ws: stream_impl,
    reader: http_reader[http.response_parser],
    req: http.request,
    key: str,
    res: http.response | None,
) -> error_code:
    """Check the response that was read and open the stream if it is a valid 101."""
    got = reader.parser.release()
    ec = check_response(got, key, ws._pmd, req=req)
    if res is not None:
        copy_response(res, got)
    if ec is not success:  # success or an error constant
        return ec
    ws._pending = reader.leftover()
    ws._open(False, negotiated_deflate(got, ws._pmd))
    update_timer(ws)
    return success


class handshake_op(stream_op):
    """Write the request, read and check the response."""

    handler_signature = EC

    __slots__ = ("_key", "_reader", "_req", "_res")

    def __init__(
        self,
        handler: Any,
        ws: stream_impl,
        req: http.request,
        key: str,
        res: http.response | None,
    ) -> None:
        composed_op.__init__(self, handler, ws._executor, ws._plain, ws._user_hs)
        self._ws = ws
        self._req = req
        self._key = key
        self._res = res
        self._reader = http_reader(http.response_parser(), b"")

    def start(self) -> None:
        ws = self._ws
        update_timer(ws)
        self._step = _WRITE
        ws._send(self, http.to_bytes(self._req))

    def __call__(self, ec: error_code, n: int) -> None:
        ws = self._ws
        if self._step == _WRITE:
            if self._more_to_write(ec, n):
                return
            stop = ws._check_stop(ec)
            if stop is not None:
                self._finish(stop)
                return
            self._step = _READ
            ws._read(self)
            return
        # ``ec is not success`` and ``result is not success`` first: no error_code calls on
        # the usual path (the reader answers success or an error constant).
        if ec is not success and ec == eof and not ws._timed_out and ws._status < CLOSED:
            result = self._reader.eof()
        else:
            stop = ws._check_stop(ec)
            if stop is not None:
                self._finish(stop)
                return
            result = self._reader.feed(ws._received(n))
            if result is not success and result == _need_more:
                ws._read(self)
                return
        if result is not success:
            self._finish(result)
            return
        self._finish(_finish_response(ws, self._reader, self._req, self._key, self._res))

    def _finish(self, ec: error_code) -> None:
        ws = self._ws
        if ws._status == HANDSHAKE and ec:  # status first: open after a success
            ws._ec_delivered = True
            ws._set_final(FAILED)
        self.complete(True, ec)


def handshake_sync(ws: stream_impl, res: http.response | None, host: str, target: str) -> None:
    """The blocking handshake.

    Raises:
        system_error: as the asynchronous handshake reports.
    """
    req, key = make_request(ws, host, target)
    ws._begin_handshake("handshake")
    reader = http_reader(http.response_parser(), b"")
    try:
        write(ws._next, http.to_bytes(req))
    except system_error as exc:
        ec = exc.code
    else:
        ec = read_message_sync(ws, reader)
    if not ec:
        ec = _finish_response(ws, reader, req, key, res)
    if ec:
        if ws._status == HANDSHAKE:
            ws._set_final(FAILED)
        raise system_error(ec, "handshake")

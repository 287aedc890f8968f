"""The server's opening handshake (Beast's ``impl/accept.hpp``).

Reads the upgrade request (unless the caller already parsed it) through an
``http.request_parser`` with an empty body, as Beast does (a request body is an error,
``http.error.unexpected_body``), checks it in Beast's order and writes the response the core
builds: 101 with the negotiated extension, 426 for a wrong ``Sec-WebSocket-Version``, 400
for any other refusal (the decorator sees each one). A refused request completes with its
``websocket.error`` code once the error response is written; the stream is then ``failed``.
Octets received after the request are kept as the first frames.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from asiolike.beast import http
from asiolike.beast.websocket._handshake import build_response, check_request, negotiated_deflate
from asiolike.beast.websocket._http_io import http_reader, read_message_sync
from asiolike.beast.websocket._impl import CLOSED, FAILED, HANDSHAKE
from asiolike.beast.websocket._stream_op import stream_op
from asiolike.beast.websocket._timeout import update_timer
from asiolike.detail.completion import composed_op
from asiolike.detail.handler_check import EC
from asiolike.error import eof, error_code, success, system_error
from asiolike.write import write

if TYPE_CHECKING:
    from asiolike.beast.websocket._impl import stream_impl

__all__ = ["accept_op", "accept_sync"]

_READ: Final = 1
_WRITE: Final = 2
_need_more: Final = http.error.need_more


def _request_reader(initial: bytes) -> http_reader[http.request_parser]:
    return http_reader(http.request_parser(http.empty_body), initial)


def _answer(ws: stream_impl, req: http.request) -> tuple[error_code, http.response]:
    """The check result and the response to send for ``req``."""
    ec = check_request(req)
    return ec, build_response(req, ec, ws._pmd, ws._decorator)


def _open_server(
    ws: stream_impl, reader: http_reader[http.request_parser] | None, res: http.response
) -> None:
    if reader is not None:
        ws._pending = reader.leftover()
    ws._open(True, negotiated_deflate(res))
    update_timer(ws)


class accept_op(stream_op):
    """Read (or take) the request, write the response, open the stream."""

    handler_signature = EC

    __slots__ = ("_reader", "_req", "_res", "_result")

    def __init__(
        self, handler: Any, ws: stream_impl, req: http.request | None, initial: bytes
    ) -> None:
        composed_op.__init__(self, handler, ws._executor, ws._plain, ws._user_hs)
        self._ws = ws
        self._req = req
        self._reader = None if req is not None else _request_reader(initial)
        self._res: http.response | None = None
        self._result = success

    def start(self) -> None:
        ws = self._ws
        update_timer(ws)
        reader = self._reader
        if reader is None:
            self._respond()
            return
        result = reader.step()
        if result == _need_more:
            self._step = _READ
            ws._read(self)
        elif result:
            self._finish(False, result)
        else:
            self._req = reader.parser.release()
            self._respond()

    def _respond(self) -> None:
        req = self._req
        assert req is not None
        self._result, res = _answer(self._ws, req)
        self._res = res
        self._step = _WRITE
        self._ws._send(self, http.to_bytes(res))

    def __call__(self, ec: error_code, n: int) -> None:
        ws = self._ws
        if self._step == _READ:
            reader = self._reader
            assert reader is not None
            # ``ec is not success`` and ``result is not success`` first: no error_code calls
            # on the usual path (the reader answers success or an error constant).
            if ec is not success and ec == eof and not ws._timed_out and ws._status < CLOSED:
                result = reader.eof()
            else:
                stop = ws._check_stop(ec)
                if stop is not None:
                    self._finish(True, stop)
                    return
                result = reader.feed(ws._received(n))
                if result is not success and result == _need_more:
                    ws._read(self)
                    return
            if result is not success:
                self._finish(True, result)
                return
            self._req = reader.parser.release()
            self._respond()
            return
        if self._more_to_write(ec, n):
            return
        stop = ws._check_stop(ec)
        if stop is not None:
            self._finish(True, stop)
            return
        if self._result is not success:  # check_request's success or error constant
            self._finish(True, self._result)
            return
        assert self._res is not None
        _open_server(ws, self._reader, self._res)
        self._finish(True, success)

    def _finish(self, cont: bool, ec: error_code) -> None:
        ws = self._ws
        if ws._status == HANDSHAKE and ec:  # status first: open after a success
            ws._ec_delivered = True
            ws._set_final(FAILED)
        self.complete(cont, ec)


def accept_sync(ws: stream_impl, req: http.request | None, initial: bytes) -> None:
    """The blocking accept.

    Raises:
        system_error: as the asynchronous accept reports.
    """
    reader = None
    if req is None:
        reader = _request_reader(initial)
        ec = read_message_sync(ws, reader)
        if ec:
            ws._set_final(FAILED)
            raise system_error(ec, "accept")
        req = reader.parser.release()
    result, res = _answer(ws, req)
    try:
        write(ws._next, http.to_bytes(res))
    except system_error as exc:
        ws._set_final(FAILED)
        raise system_error(exc.code, "accept") from None
    if result:
        ws._set_final(FAILED)
        raise system_error(result, "accept")
    _open_server(ws, reader, res)

"""The stream's timer: handshake, idle and closing timeouts (Beast's ``update_timer``).

Theory of operation. One ``steady_timer`` per stream (made on first use) serves every
timeout, as in Beast; which one it measures depends on the status:

* ``handshake`` and ``closing``: ``handshake_timeout`` from the start of the opening
  handshake, or from the moment the close frame is sent (or queued as an echo);
* ``open``: ``idle_timeout``, measured from the last byte received. Rather than re-arm the
  timer on every read (a timer operation per message), reads only note the time
  (``_last_rx``) and the timer, when it fires, re-arms itself for the rest of the
  interval if data came meanwhile. With ``keep_alive_pings`` it fires after half the idle
  time: the first silent half sends a ping, the second one gives up.

Giving up (Beast's ``time_out``): the stream fails, the lowest layer is closed
(pending operations complete), and the first operation to notice gets
``beast.error.timeout``. Each arming bumps a generation number, so a wait that completes
after it was replaced does nothing.

The timer's wait counts as outstanding work: while a timeout is armed ``run()`` does not
return (as with Beast). It is disarmed when the stream is closed or fails.

*Lifetimes* (rule R10): the wait's handler holds the stream weakly, as Beast's timeout
handler holds a ``weak_ptr`` to the stream's state. A session that drops an open stream
with a timeout armed frees it at once (its socket closes); the stream cancels its timer as
it goes (``stream_impl.__del__``), so the wait ends at once too and ``run()`` can return.
"""

from __future__ import annotations

import functools
import time
import weakref
from typing import TYPE_CHECKING

from asiolike.beast.core.stream_traits import get_lowest_layer
from asiolike.beast.websocket._impl import CLOSING, FAILED, HANDSHAKE, OPEN
from asiolike.beast.websocket._ping_op import start_idle_ping
from asiolike.error import error_code, system_error
from asiolike.steady_timer import steady_timer

if TYPE_CHECKING:
    from asiolike.beast.websocket._impl import stream_impl

__all__ = ["update_timer", "time_out", "disarm"]

_monotonic = time.monotonic


def _arm(ws: stream_impl, seconds: float) -> None:
    timer = ws._timer
    if timer is None:
        timer = ws._timer = steady_timer(ws._executor)
    ws._timer_gen += 1
    timer.expires_after(seconds)  # a replaced wait completes with a stale generation
    timer.async_wait(functools.partial(_on_timer, weakref.ref(ws), ws._timer_gen))


def disarm(ws: stream_impl) -> None:
    """Stop the timer (every timeout was switched off)."""
    ws._idle = False
    if ws._timer is not None:
        ws._timer_gen += 1
        ws._timer.cancel()


def update_timer(ws: stream_impl) -> None:
    """Arm (or disarm) the timer for the stream's current status (Beast's ``update_timer``)."""
    opt = ws._timeout_opt
    status = ws._status
    if status == HANDSHAKE:
        if opt.handshake_timeout is not None:
            _arm(ws, opt.handshake_timeout)
        else:
            disarm(ws)
    elif status == OPEN:
        idle = opt.idle_timeout
        if idle is None:
            ws._idle = False
            disarm(ws)
            return
        ws._idle = True
        ws._idle_counter = 0
        ws._last_rx = ws._ping_at = _monotonic()
        _arm(ws, idle / 2 if opt.keep_alive_pings else idle)
    elif status == CLOSING:
        ws._idle = False
        if opt.handshake_timeout is not None:
            _arm(ws, opt.handshake_timeout)
        # Otherwise an armed idle timer keeps running and bounds the closing, as in Beast.
    else:
        ws._idle = False
        disarm(ws)


def _on_timer(ref: weakref.ref[stream_impl], generation: int, ec: error_code) -> None:
    ws = ref()
    if ws is None or ec or generation != ws._timer_gen:
        return
    status = ws._status
    if status in (HANDSHAKE, CLOSING):
        time_out(ws)
        return
    if status != OPEN:
        return
    opt = ws._timeout_opt
    idle = opt.idle_timeout
    if idle is None:
        return
    now = _monotonic()
    silence = now - ws._last_rx
    if opt.keep_alive_pings:
        half = idle / 2
        if ws._last_rx > ws._ping_at:
            ws._idle_counter = 0  # something (the pong, say) arrived since our ping
        if silence < half:
            _arm(ws, half - silence)
        elif ws._idle_counter < 1:
            ws._idle_counter += 1
            ws._ping_at = now
            start_idle_ping(ws)
            _arm(ws, half)
        else:
            time_out(ws)
    elif silence < idle:
        _arm(ws, idle - silence)
    else:
        time_out(ws)


def time_out(ws: stream_impl) -> None:
    """Give up on the connection: lowest layer closed, ``timeout`` for the next to look.

    The status becomes ``failed`` (Beast says ``closed``; here ``closed`` is kept for a
    completed closing handshake, which a waiting ``close`` reports as success).
    """
    ws._timed_out = True
    ws._set_final(FAILED)
    try:
        get_lowest_layer(ws._next).close()
    except system_error:
        pass

"""A small shared pool of daemon threads for blocking lookups (``getaddrinfo``).

Asio runs host name resolution on a private thread per io_context; asiolike shares one
bounded pool among all resolvers: at most ``MAX_THREADS`` threads, started on demand and
ending after ``IDLE_SECONDS`` without a job. Daemon threads, so a lookup stuck on a dead
DNS server never keeps the process from exiting.

A job is a callable that never raises (the resolver catches its own errors). Jobs beyond
the thread limit wait in the queue, in order.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Final

__all__ = ["submit", "MAX_THREADS"]

MAX_THREADS: Final = 4
IDLE_SECONDS: Final = 30.0

_jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
_lock = threading.Lock()
_threads = 0  # threads alive
_idle = 0  # threads waiting for a job
_pending = 0  # jobs queued and not yet taken


def submit(job: Callable[[], None]) -> None:
    """Run ``job`` on a pool thread (thread-safe)."""
    global _threads, _pending
    with _lock:
        _pending += 1
        spawn = _pending > _idle and _threads < MAX_THREADS
        if spawn:
            _threads += 1
    _jobs.put(job)
    if spawn:
        try:
            threading.Thread(target=_worker, name="asiolike-resolver", daemon=True).start()
        except BaseException:
            with _lock:
                _threads -= 1
            raise


def _worker() -> None:
    global _threads, _idle, _pending
    while True:
        with _lock:
            _idle += 1
        try:
            job = _jobs.get(timeout=IDLE_SECONDS)
        except queue.Empty:
            with _lock:
                _idle -= 1
                if _pending > _idle:
                    continue  # a job was queued as we timed out: stay for it
                _threads -= 1
                return
        with _lock:
            _idle -= 1
            _pending -= 1
        job()

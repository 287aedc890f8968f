"""``thread_pool``: an io_context run by a fixed set of threads (Asio's ``thread_pool``)."""

from __future__ import annotations

import threading

from asiolike.executor import executor_work_guard
from asiolike.io_context import io_context, io_context_executor

__all__ = ["thread_pool"]


class thread_pool:
    """``n`` threads running one io_context; submit work with ``post(pool, f)``.

    The pool keeps itself alive until :meth:`join` (which lets it finish the outstanding
    work and then returns) or :meth:`stop` (which abandons queued handlers).

    Args:
        num_threads: how many threads run handlers (at least 1).
    """

    def __init__(self, num_threads: int = 2) -> None:
        if num_threads < 1:
            raise ValueError("thread_pool needs at least one thread")
        self._ctx = io_context()
        self._guard: executor_work_guard | None = executor_work_guard(self._ctx)
        self._errors: list[BaseException] = []
        self._threads = [
            threading.Thread(target=self._worker, name=f"asiolike-pool-{i}", daemon=True)
            for i in range(num_threads)
        ]
        for thread in self._threads:
            thread.start()

    def _worker(self) -> None:
        ctx = self._ctx
        while not ctx.stopped():
            try:
                ctx.run()
            except BaseException as exc:
                self._errors.append(exc)

    def get_executor(self) -> io_context_executor:
        """The executor that submits to the pool."""
        return self._ctx.get_executor()

    def context(self) -> io_context:
        """The io_context the pool's threads run."""
        return self._ctx

    def stop(self) -> None:
        """Stop the threads as soon as possible; queued handlers are not run."""
        self._ctx.stop()

    def join(self) -> None:
        """Let the pool finish its outstanding work, then wait for its threads to exit.

        The pool's io_context is then closed (its descriptors released); handlers posted
        to a joined pool never run, as in Asio.

        Exceptions raised by handlers in the pool are re-raised here (the first one).
        """
        if self._guard is not None:
            self._guard.reset()
            self._guard = None
        for thread in self._threads:
            thread.join()
        self._ctx.close()
        if self._errors:
            raise self._errors[0]

    wait = join

"""Example: synchronising handlers with a strand (Asio's tutorial Timer.5, ``timer5/timer.cpp``).

Two timers share one count; ``io.run()`` is called from two threads, so their handlers
could run at the same time. Binding both handlers to one strand with
``net.bind_executor(strand, handler)`` guarantees that they never do: each handler reads,
prints and increments the count without a lock::

    python examples/timer5_strand.py

Which timer's handler runs first in a period is not fixed (in C++ neither), so the
``Timer 1``/``Timer 2`` lines may interleave differently from run to run; the counts
always go from 0 to 9, five lines per timer, then ``Final count is 10``.

As in Timer.4, the handlers take the error code and ignore it (``std::bind`` drops it in
C++), and ``printer`` is a context manager so that the final count is printed where the
C++ destructor prints it. The C++ period is one second; this port uses 50 ms
(:data:`PERIOD`) so that running it, and its test, is quick.
"""

from __future__ import annotations

import sys
import threading

import asiolike as net

#: The timers' period, in seconds (the C++ uses ``std::chrono::seconds(1)``).
PERIOD = 0.05


class printer:
    """Two timers printing one shared count, ten times in all, inside one strand.

    Args:
        io: The io_context that runs the handlers (on any number of threads).
    """

    def __init__(self, io: net.io_context) -> None:
        self.strand = net.make_strand(io)
        self.timer1 = net.steady_timer(io, PERIOD)
        self.timer2 = net.steady_timer(io, PERIOD)
        self.count = 0
        self.timer1.async_wait(net.bind_executor(self.strand, self.print1))
        self.timer2.async_wait(net.bind_executor(self.strand, self.print2))

    def __enter__(self) -> printer:
        return self

    def __exit__(self, *exc: object) -> None:
        # ~printer()
        print(f"Final count is {self.count}")

    def print1(self, e: net.error_code) -> None:
        """Timer 1's handler; runs inside the strand, so never while ``print2`` does."""
        if self.count < 10:
            print(f"Timer 1: {self.count}")
            self.count += 1

            self.timer1.expires_at(self.timer1.expiry() + PERIOD)
            self.timer1.async_wait(net.bind_executor(self.strand, self.print1))

    def print2(self, e: net.error_code) -> None:
        """Timer 2's handler; runs inside the strand, so never while ``print1`` does."""
        if self.count < 10:
            print(f"Timer 2: {self.count}")
            self.count += 1

            self.timer2.expires_at(self.timer2.expiry() + PERIOD)
            self.timer2.async_wait(net.bind_executor(self.strand, self.print2))


def main(argv: list[str] | None = None) -> int:
    """Run the example; ``argv`` is the command line without the program name.

    Returns:
        The exit status: 0, or 1 for a wrong command line (the example takes no arguments).
    """
    if sys.argv[1:] if argv is None else argv:
        print("Usage: timer5_strand.py", file=sys.stderr)
        return 1

    io = net.io_context()
    with printer(io):
        # One more thread runs the io_context, next to this one.
        t = threading.Thread(target=io.run)
        t.start()
        io.run()
        t.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())

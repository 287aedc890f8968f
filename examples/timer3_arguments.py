"""Example: binding arguments to a handler (Asio's tutorial Timer.3, ``timer3/timer.cpp``).

A handler that re-arms its own timer: it prints a count once per period until the count
reaches 5, then stops, and ``io.run()`` returns::

    python examples/timer3_arguments.py

Where the C++ binds extra arguments with ``std::bind(print, placeholders::error, &t,
&count)``, Python uses ``functools.partial(print_, t=t, count=count)``: the timer passes
the error code, the partial adds the rest. The C++ passes ``int* count`` so that the
handler updates the caller's counter; a one-element list plays that part here.

The C++ period is one second; this port uses 50 ms (:data:`PERIOD`) so that running it,
and its test, is quick. The handler is ``print_`` so as not to hide Python's ``print``.
"""

from __future__ import annotations

import functools
import sys

import asiolike as net

#: The timer's period, in seconds (the C++ uses ``std::chrono::seconds(1)``).
PERIOD = 0.05


def print_(e: net.error_code, t: net.steady_timer, count: list[int]) -> None:
    """Print and increment the count, and wait again while it is below 5."""
    if count[0] < 5:
        print(count[0])
        count[0] += 1

        # Move the expiry one period on from the previous one (not from now), so that
        # the timer does not drift however late the handler runs.
        t.expires_at(t.expiry() + PERIOD)

        # Start a new wait with the same bound arguments.
        t.async_wait(functools.partial(print_, t=t, count=count))


def main(argv: list[str] | None = None) -> int:
    """Run the example; ``argv`` is the command line without the program name.

    Returns:
        The exit status: 0, or 1 for a wrong command line (the example takes no arguments).
    """
    if sys.argv[1:] if argv is None else argv:
        print("Usage: timer3_arguments.py", file=sys.stderr)
        return 1

    io = net.io_context()

    count = [0]
    t = net.steady_timer(io, PERIOD)
    t.async_wait(functools.partial(print_, t=t, count=count))

    io.run()

    print(f"Final count is {count[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Example: using a timer asynchronously (Asio's tutorial Timer.2, ``timer2/timer.cpp``).

Starts an asynchronous wait on a ``steady_timer`` and runs the io_context; the
completion handler prints ``Hello, world!``::

    python examples/timer2_async.py

The C++ waits five seconds; this port waits 50 ms (:data:`WAIT`) so that running it, and
its test, is quick.

The C++ handler is called ``print``; here it is ``print_``, so as not to hide Python's
``print`` built-in.
"""

from __future__ import annotations

import sys

import asiolike as net

#: How long the timer waits, in seconds (the C++ waits ``std::chrono::seconds(5)``).
WAIT = 0.05


def print_(e: net.error_code) -> None:
    """The completion handler: called by ``io.run()`` once the timer has expired."""
    print("Hello, world!")


def main(argv: list[str] | None = None) -> int:
    """Run the example; ``argv`` is the command line without the program name.

    Returns:
        The exit status: 0, or 1 for a wrong command line (the example takes no arguments).
    """
    if sys.argv[1:] if argv is None else argv:
        print("Usage: timer2_async.py", file=sys.stderr)
        return 1

    io = net.io_context()

    t = net.steady_timer(io, WAIT)

    # Returns at once: the handler is called later, from inside io.run().
    t.async_wait(print_)

    # run() returns when there is no more work to do: here, once the handler has run.
    io.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Example: using a timer synchronously (Asio's tutorial Timer.1, ``timer1/timer.cpp``).

Blocks on a ``steady_timer`` until it expires, then prints ``Hello, world!``::

    python examples/timer1_sync.py

The C++ waits five seconds; this port waits 50 ms (:data:`WAIT`) so that running it, and
its test, is quick. Nothing else differs.
"""

from __future__ import annotations

import sys

import asiolike as net

#: How long the timer waits, in seconds (the C++ waits ``std::chrono::seconds(5)``).
WAIT = 0.05


def main(argv: list[str] | None = None) -> int:
    """Run the example; ``argv`` is the command line without the program name.

    Returns:
        The exit status: 0, or 1 for a wrong command line (the example takes no arguments).
    """
    if sys.argv[1:] if argv is None else argv:
        print("Usage: timer1_sync.py", file=sys.stderr)
        return 1

    # All programs that use asio need at least one io_context.
    io = net.io_context()

    # A timer that expires WAIT seconds from now.
    t = net.steady_timer(io, WAIT)

    # A blocking wait: it returns once the timer has expired.
    t.wait()

    print("Hello, world!")
    return 0


if __name__ == "__main__":
    sys.exit(main())

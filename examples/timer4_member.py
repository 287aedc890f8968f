"""Example: a member function as handler (Asio's tutorial Timer.4, ``timer4/timer.cpp``).

Timer.3 again, with the timer and the count kept in a ``printer`` object whose method
is the completion handler::

    python examples/timer4_member.py

Where the C++ passes ``std::bind(&printer::print, this)``, Python passes the bound
method ``self.print``. ``std::bind`` drops the error code the timer passes; a Python
handler receives it, so ``print`` takes ``e`` and ignores it.

The C++ prints the final count from ``~printer()``, when ``p`` goes out of scope at the
end of ``main``. Python has no destructor that runs at a known time, so ``printer`` is a
context manager and ``main`` scopes it with ``with``: leaving the block is the end of
the C++ scope.

The C++ period is one second; this port uses 50 ms (:data:`PERIOD`) so that running it,
and its test, is quick.
"""

from __future__ import annotations

import sys

import asiolike as net

#: The timer's period, in seconds (the C++ uses ``std::chrono::seconds(1)``).
PERIOD = 0.05


class printer:
    """Prints a count once per period, five times.

    Args:
        io: The io_context that runs the timer's handler.
    """

    def __init__(self, io: net.io_context) -> None:
        self.timer = net.steady_timer(io, PERIOD)
        self.count = 0
        self.timer.async_wait(self.print)

    def __enter__(self) -> printer:
        return self

    def __exit__(self, *exc: object) -> None:
        # ~printer()
        print(f"Final count is {self.count}")

    def print(self, e: net.error_code) -> None:
        """The handler: print and increment the count, and wait again while it is below 5."""
        if self.count < 5:
            print(self.count)
            self.count += 1

            self.timer.expires_at(self.timer.expiry() + PERIOD)
            self.timer.async_wait(self.print)


def main(argv: list[str] | None = None) -> int:
    """Run the example; ``argv`` is the command line without the program name.

    Returns:
        The exit status: 0, or 1 for a wrong command line (the example takes no arguments).
    """
    if sys.argv[1:] if argv is None else argv:
        print("Usage: timer4_member.py", file=sys.stderr)
        return 1

    io = net.io_context()
    with printer(io):
        io.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())

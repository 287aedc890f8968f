"""``Recorder``: a completion handler that checks rules R1 (never inline) and R2 (once)."""

from __future__ import annotations

from typing import Any


class Recorder:
    """Records its calls and whether the initiating call had returned before the first one.

    Usage: ``h = Recorder(); sock.async_x(..., h); h.started(); run...; h.once == (...)``.
    """

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.returned = False
        self.inline = False

    def __call__(self, *args: Any) -> None:
        if not self.returned:
            self.inline = True
        self.calls.append(args)

    def started(self) -> Recorder:
        """Mark the initiating call as returned."""
        self.returned = True
        return self

    @property
    def once(self) -> tuple[Any, ...]:
        """The arguments of the single call; fails if it was inline or not exactly once."""
        assert not self.inline, "handler invoked from inside the initiating call (R1)"
        assert len(self.calls) == 1, f"handler called {len(self.calls)} times (R2)"
        return self.calls[0]

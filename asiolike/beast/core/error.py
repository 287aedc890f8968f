"""``beast.error``: the errors of Beast's core layer (``beast::error``)."""

from __future__ import annotations

from typing import Final

from asiolike.error import enum_category

__all__ = ["timeout", "category"]

category: Final = enum_category("beast")

timeout: Final = category.define(
    1, "timeout", "The socket was closed due to a timeout"
)
"""A ``tcp_stream`` (or WebSocket) deadline passed; the stream was closed."""

"""``role_type``: which end of a connection a stream plays (Beast's ``role_type``)."""

from __future__ import annotations

import enum

__all__ = ["role_type"]


class role_type(enum.Enum):
    """The role of a stream: ``client`` (connects, masks frames) or ``server``."""

    client = "client"
    server = "server"

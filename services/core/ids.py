"""Identifiers: UUID version 7, so that ids sort in creation order.

Keyset pagination orders by id alone, which then lists objects oldest first on every
database without a second sort column.
"""

import os
import time
import uuid


def new_id() -> uuid.UUID:
    timestamp_ms = time.time_ns() // 1_000_000
    value = (timestamp_ms & ((1 << 48) - 1)) << 80
    value |= int.from_bytes(os.urandom(10), "big") & ((1 << 80) - 1)
    value &= ~(0xF << 76)
    value |= 0x7 << 76  # version 7
    value &= ~(0x3 << 62)
    value |= 0x2 << 62  # RFC 9562 variant
    return uuid.UUID(int=value)

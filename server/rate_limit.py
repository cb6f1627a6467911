"""A token bucket per client address, kept in this process's memory.

Each server process counts on its own (with `--workers 4` an address gets up to four times the rate, and a
restart forgets every count); that is enough to keep one flooding client from taking a process's time,
which is what it is for. IPv6 clients are counted per /64, the block one subscriber usually holds.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class RateLimit:
    """`per_minute` requests on average; a client that was quiet may send up to a minute's worth at once."""

    per_minute: int

    @property
    def burst(self) -> float:
        return float(self.per_minute)

    @property
    def per_second(self) -> float:
        return self.per_minute / 60


class AddressRateLimiter:
    """`retry_after(address)` takes one token from the address's bucket; it answers 0 when there was one,
    else the whole seconds until there will be. At most `max_addresses` buckets are kept: past that, the
    least recently seen address is forgotten (it starts again with a full bucket). Safe from any thread."""

    def __init__(self, limit: RateLimit, clock: Callable[[], float] = time.monotonic,
                 max_addresses: int = 100_000) -> None:
        self.limit = limit
        self.clock = clock
        self.max_addresses = max_addresses
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, at)
        self._lock = threading.Lock()

    def retry_after(self, address: str | None) -> int:
        key = client_key(address)
        with self._lock:
            return self._take(key, self.clock())

    def _take(self, key: str, now: float) -> int:
        tokens, at = self._buckets.pop(key, (self.limit.burst, now))
        tokens = min(self.limit.burst, tokens + (now - at) * self.limit.per_second)
        wait = 0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = max(1, math.ceil((1 - tokens) / self.limit.per_second))
        self._buckets[key] = (tokens, now)
        if len(self._buckets) > self.max_addresses:
            self._buckets.popitem(last=False)
        return wait


def client_key(address: str | None) -> str:
    """What an address is counted as: itself for IPv4, its /64 for IPv6."""
    try:
        parsed = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "unknown"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)

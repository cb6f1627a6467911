"""The token bucket per client address that guards the public /declare page."""

import pytest

from server.declarations import PageLimits
from server.declarations.issuing import ConfigurationError
from server.rate_limit import AddressRateLimiter, RateLimit, client_key


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_quiet_address_may_use_a_minutes_worth_then_waits_for_the_refill():
    clock = Clock()
    limiter = AddressRateLimiter(RateLimit(per_minute=6), clock)  # one token every 10 s
    assert [limiter.retry_after("203.0.113.7") for _ in range(7)] == [0] * 6 + [10]
    assert limiter.retry_after("203.0.113.8") == 0  # another address has its own bucket
    clock.now += 4
    assert limiter.retry_after("203.0.113.7") == 6  # 0.4 of a token has come back; a refusal costs nothing
    clock.now += 6
    assert limiter.retry_after("203.0.113.7") == 0
    assert limiter.retry_after("203.0.113.7") == 10


def test_ipv6_addresses_share_a_bucket_per_64_and_mapped_ipv4_is_ipv4():
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key("::ffff:198.51.100.4") == "198.51.100.4"
    assert client_key(None) == "unknown"


def test_memory_is_bounded_by_forgetting_the_least_recently_seen_address():
    limiter = AddressRateLimiter(RateLimit(per_minute=1), Clock(), max_addresses=2)
    for address in ("192.0.2.1", "192.0.2.2", "192.0.2.1", "192.0.2.3"):
        limiter.retry_after(address)
    assert limiter.retry_after("192.0.2.1") > 0   # still remembered: it was seen recently
    assert limiter.retry_after("192.0.2.2") == 0   # forgotten, starts again with a full bucket


def test_limits_come_from_the_environment_and_nonsense_is_named():
    limits = PageLimits.from_environment({"KIOSK_SERVER_DECLARE_SIGN_PER_MINUTE": "5",
                                          "KIOSK_SERVER_DECLARE_CONCURRENT_SIGNINGS": "1"})
    assert (limits.signing.per_minute, limits.concurrent_signings, limits.page) == (5, 1, PageLimits().page)
    with pytest.raises(ConfigurationError, match="KIOSK_SERVER_DECLARE_PAGE_PER_MINUTE"):
        PageLimits.from_environment({"KIOSK_SERVER_DECLARE_PAGE_PER_MINUTE": "0"})

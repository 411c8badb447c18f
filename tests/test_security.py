"""web/security.py in process: the token buckets (with a controlled clock), their bounded memory, which
routes are limited, and the key comparison. The running app is tested in tests/test_web_api.py."""

from __future__ import annotations

import pytest

from web.security import RateLimiter, key_matches, limited_path, ui_login


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_client_gets_its_rate_and_then_waits_for_the_next_token():
    clock = Clock()
    limiter = RateLimiter(per_minute=3, clock=clock)
    assert [limiter.check("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.check("a")
    assert wait == pytest.approx(20.0)  # one token every 60/3 s
    clock.now += 10
    assert limiter.check("a") == pytest.approx(10.0)
    clock.now += 10
    assert limiter.check("a") == 0.0
    assert limiter.check("a") > 0


def test_one_client_flooding_does_not_limit_another():
    limiter = RateLimiter(per_minute=2, clock=Clock())
    for _ in range(50):
        limiter.check("flood")
    assert limiter.check("flood") > 0
    assert limiter.check("quiet") == 0.0


def test_buckets_refill_to_at_most_the_rate():
    clock = Clock()
    limiter = RateLimiter(per_minute=2, clock=clock)
    limiter.check("a")
    clock.now += 3600  # an hour idle does not bank 120 requests
    assert [limiter.check("a") == 0.0 for _ in range(3)] == [True, True, False]


def test_memory_is_bounded_by_forgetting_the_least_recent_client():
    clock = Clock()
    limiter = RateLimiter(per_minute=1, max_clients=3, clock=clock)
    for client in ("a", "b", "c"):
        assert limiter.check(client) == 0.0
    assert limiter.check("a") > 0  # a is now the most recent
    for n in range(1000):
        limiter.check(f"spoofed-{n}")
    assert len(limiter) == 3
    assert limiter.check("b") == 0.0  # forgotten: starts again with a full bucket


def test_zero_means_no_limit():
    limiter = RateLimiter(per_minute=0, clock=Clock())
    assert all(limiter.check("a") == 0.0 for _ in range(1000))
    assert len(limiter) == 0


@pytest.mark.parametrize(("method", "path", "limited"), [
    ("POST", "/v1/chat/completions", True), ("GET", "/v1/models", True), ("POST", "/api/ask", True),
    ("POST", "/gradio_api/queue/join", True), ("POST", "/gradio_api/call/ask", True), ("POST", "/login", True),
    ("GET", "/", False), ("GET", "/gradio_api/info", False), ("GET", "/gradio_api/queue/data", False),
    ("GET", "/healthz", False), ("GET", "/assets/index.js", False), ("POST", "/gradio_api/upload", False),
])
def test_limited_routes(method, path, limited):
    assert limited_path(method, path) is limited


def test_key_comparison():
    assert key_matches("s3cret-key", "s3cret-key")
    assert not key_matches("s3cret-kez", "s3cret-key")
    assert not key_matches("", "")  # no key configured never matches
    assert not key_matches("\ud800", "s3cret-key")  # a broken string is just wrong
    login = ui_login("s3cret-key")
    assert login("anyone", "s3cret-key") and not login("anyone", "wrong") and not login(" ", "s3cret-key")

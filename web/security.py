"""Access control for the HTTP front ends: an API key, and a per-client rate limit with bounded memory.

- With `GDPA_API_KEY` set, every /v1 and /api route needs `Authorization: Bearer <key>` (`bearer_dependency`),
  and the Gradio UI (and its /ask API) asks for a login whose password is the key (`ui_login`).
- `RateLimiter` is a token bucket per client address: `per_minute` requests, refilled continuously. Buckets
  live in an LRU of at most `max_clients` entries, so a flood of addresses cannot grow memory; a forgotten
  client simply starts again with a full bucket. `GuardMiddleware` applies it to the routes that do work
  (questions, logins) and answers 429 with Retry-After before anything else runs; it also caps API bodies.
"""

from __future__ import annotations

import math
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request

from .errors import APIError, error_response

Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]], Awaitable[None]]


def key_matches(given: str, key: str) -> bool:
    """Constant-time comparison of a presented key with the configured one."""
    return bool(key) and secrets.compare_digest(given.encode("utf-8", "replace"), key.encode("utf-8"))


def bearer_dependency(key: str) -> Callable[[Request], Awaitable[None]]:
    """A FastAPI dependency: 401 unless `Authorization: Bearer <key>` (nothing to check when `key` is '')."""

    async def require_key(request: Request) -> None:
        if not key:
            return
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        challenge = {"WWW-Authenticate": "Bearer"}
        if not header:
            raise APIError(401, "Missing API key: send it as 'Authorization: Bearer <key>'.", "missing_api_key",
                           headers=challenge)
        if scheme.lower() != "bearer" or not key_matches(given.strip(), key):
            raise APIError(401, "Incorrect API key provided.", "invalid_api_key", headers=challenge)

    return require_key


def ui_login(key: str) -> Callable[[str, str], bool]:
    """Gradio's `auth` callable: any user name, the API key as the password."""

    def check(username: str, password: str) -> bool:
        return bool(username.strip()) and key_matches(password, key)

    return check


class RateLimiter:
    """Token buckets per client: `per_minute` requests a minute, at most `max_clients` buckets kept."""

    def __init__(self, per_minute: int, max_clients: int = 4096, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.max_clients = max(1, max_clients)
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client -> (tokens, last time)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._buckets)

    def check(self, client: str) -> float:
        """Take one token for `client`: 0.0 when allowed, else the seconds until the next token."""
        if self.per_minute <= 0:
            return 0.0
        rate = self.per_minute / 60.0
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.pop(client, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - last) * rate)
            allowed = tokens >= 1.0
            if allowed:
                tokens -= 1.0
            self._buckets[client] = (tokens, now)  # (re)inserted last: the most recently seen
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        return 0.0 if allowed else (1.0 - tokens) / rate


def limited_path(method: str, path: str) -> bool:
    """The requests that cost work or guess a password: the APIs, Gradio's question submissions, logins."""
    if path.startswith(("/v1/", "/api/")) or path in ("/v1", "/api"):
        return True
    if method != "POST":
        return False
    return path in ("/login", "/login/") or path.startswith(("/gradio_api/queue/join", "/gradio_api/call/",
                                                            "/gradio_api/run/"))


class GuardMiddleware:
    """Pure ASGI, in front of everything (streams pass through untouched): 429 with Retry-After for a client
    over its rate limit on a limited route (`limited_path`); 413 for a body over `max_bytes` on the API
    routes, declared (Content-Length) or streamed."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter, max_bytes: int) -> None:
        self.app = app
        self.limiter = limiter
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[dict]],
                       send: Callable[[dict], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if limited_path(scope.get("method", ""), path):
            wait = self.limiter.check((scope.get("client") or ("?", 0))[0])
            if wait > 0:
                retry = max(1, math.ceil(wait))
                await error_response(
                    429, f"Rate limit reached: {self.limiter.per_minute} requests per minute per client. "
                         f"Retry in {retry} s.", "rate_limit_exceeded", headers={"Retry-After": str(retry)},
                )(scope, receive, send)
                return
        if not path.startswith(("/v1/", "/api/")):
            await self.app(scope, receive, send)
            return
        too_big = f"The request body is larger than {self.max_bytes // 1024} KiB."
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await error_response(413, too_big, "request_too_large")(scope, receive, send)
            return
        seen = 0

        async def counted() -> dict:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise APIError(413, too_big, "request_too_large")
            return message

        await self.app(scope, counted, send)

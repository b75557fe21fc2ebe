"""Rate limits for sensitive operations (sign-in, invitation codes), counted in the storage
that RATELIMIT_STORAGE_URI names. The default is a small SQLite file in the instance folder
(`sqlite:///…`, `api.ratelimit_file`), shared by every gunicorn worker and thread on the
machine, so the documented numbers hold whatever worker answers; `redis://…` shares them
between machines; `memory://` counts per process.

Only the operations that call `enforce` are limited, so other requests pay nothing."""

from __future__ import annotations

import math
import time

from flask import Flask
from flask_smorest import abort
from limits import parse_many
from limits.errors import StorageError
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

import api.ratelimit_file  # noqa: F401  (registers the sqlite:// storage with `limits`)


class RateLimits:
    """One per process (`limiter`, below), initialised by create_app like the extensions."""

    def __init__(self) -> None:
        self._storage: Storage | None = None
        self._strategy: FixedWindowRateLimiter | None = None

    def init_app(self, app: Flask) -> None:
        storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"], wrap_exceptions=True)
        assert isinstance(storage, Storage), "RATELIMIT_STORAGE_URI must not be an async:// one"
        self._storage = storage
        self._strategy = FixedWindowRateLimiter(storage)

    def reset(self) -> None:
        if self._storage is not None:
            self._storage.reset()

    def enforce(self, limits: str, key: str) -> None:
        """Count one hit against each limit in `limits` (e.g. "10/minute;50/hour") for `key`;
        past any of them, answer 429 with Retry-After."""
        assert self._strategy is not None, "RateLimits.init_app was not called"
        for item in parse_many(limits):
            try:
                if self._strategy.hit(item, "interlude", key):
                    continue
                reset_at = self._strategy.get_window_stats(item, "interlude", key).reset_time
            except StorageError:
                abort(503, message="Attempts cannot be counted just now; please retry shortly.")
            retry_after = max(1, math.ceil(reset_at - time.time()))
            abort(
                429,
                message=f"Too many attempts; try again in {retry_after} seconds.",
                headers={"Retry-After": str(retry_after)},
            )

    def allows(self, limits: str, key: str) -> bool:
        """Count one hit for `key` and say whether it is within every limit in `limits`,
        without refusing anything (for what a request may do besides its answer). When the
        storage cannot be reached, it allows."""
        assert self._strategy is not None, "RateLimits.init_app was not called"
        try:
            return all(self._strategy.hit(item, "interlude", key) for item in parse_many(limits))
        except StorageError:
            return True


limiter = RateLimits()


def enforce(limits: str, key: str) -> None:
    """`limiter.enforce`, for views: count one hit against `limits` for `key`, or answer 429."""
    limiter.enforce(limits, key)

"""Explicit rate limits for sensitive operations, on flask-limiter's storage."""

from __future__ import annotations

import math
import time

from flask_smorest import abort
from limits import parse_many

from api.extensions import limiter


def enforce(limits: str, key: str) -> None:
    """Count one hit against each limit in `limits` (e.g. "10/minute;50/hour") for `key`;
    past any of them, answer 429 with Retry-After."""
    strategy = limiter.limiter
    for item in parse_many(limits):
        if not strategy.hit(item, "interlude", key):
            reset_at = strategy.get_window_stats(item, "interlude", key).reset_time
            retry_after = max(1, math.ceil(reset_at - time.time()))
            abort(
                429,
                message=f"Too many attempts; try again in {retry_after} seconds.",
                headers={"Retry-After": str(retry_after)},
            )

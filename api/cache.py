"""A short-lived, per-process cache of public catalog responses.

The catalog changes only when a version is published. In this process a publish clears the
cache as soon as it commits; other processes (gunicorn workers, `flask content sync`) see it
within CATALOG_CACHE_SECONDS, and always a whole catalog, never half of one. Only responses
to anonymous callers are stored; they are what any caller gets for the same URL (an editor
sees a draft only where an anonymous caller gets 404, and 404s are not stored)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import current_app, has_app_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from api.registry import app_services
from api.services.content import CATALOG_CHANGED

F = TypeVar("F", bound=Callable[..., Any])
MAX_ENTRIES = 512
_KEPT_HEADERS = ("Content-Type", "X-Pagination", "ETag", "Cache-Control")


class CatalogCache:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.generation = 0
        self.entries: dict[str, tuple[float, bytes, list[tuple[str, str]]]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Response | None:
        entry = self.entries.get(key)
        if entry is None or entry[0] <= time.monotonic():
            return None
        return Response(entry[1], 200, entry[2])

    def put(self, key: str, generation: int, response: Response) -> None:
        headers = [(k, v) for k, v in response.headers.items() if k in _KEPT_HEADERS]
        with self._lock:
            if generation != self.generation:
                return  # a publish committed while this response was being built
            if len(self.entries) >= MAX_ENTRIES:
                self.entries.clear()
            self.entries[key] = (time.monotonic() + self.seconds, response.get_data(), headers)

    def clear(self) -> None:
        with self._lock:
            self.generation += 1
            self.entries.clear()


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(CATALOG_CHANGED, False) and has_app_context():
        app_services().catalog_cache.clear()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(CATALOG_CHANGED, None)


def public_cache(func: F) -> F:
    """Put above the view's flask-smorest decorators: a hit skips argument parsing, the
    database and serialisation."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        cache = app_services().catalog_cache
        if not cache.seconds or "Authorization" in request.headers:
            return func(*args, **kwargs)
        key = request.full_path
        hit = cache.get(key)
        if hit is not None:
            return hit
        generation = cache.generation  # read before the database is
        response = current_app.make_response(func(*args, **kwargs))
        if response.status_code == 200:
            cache.put(key, generation, response)
        return response

    return cast(F, wrapper)

"""What views hand to services, built from the app's configuration."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import Select

from api.extensions import db
from api.jobs import JobRunner
from api.models.base import utcnow
from api.services.accounts import Passwords, TokenPolicy
from api.storage.base import Storage


def passwords() -> Passwords:
    hasher: Passwords = current_app.extensions["interlude.passwords"]
    return hasher


def token_policy() -> TokenPolicy:
    config = current_app.config
    return TokenPolicy(
        access_seconds=config["ACCESS_TOKEN_SECONDS"], refresh_days=config["REFRESH_TOKEN_DAYS"]
    )


def storage() -> Storage:
    store: Storage = current_app.extensions["interlude.storage"]
    return store


def jobs() -> JobRunner:
    runner: JobRunner = current_app.extensions["interlude.jobs"]
    return runner


def now() -> datetime:
    """The server clock; tests put another in app.extensions["interlude.clock"]."""
    clock: Callable[[], datetime] = current_app.extensions.get("interlude.clock", utcnow)
    return clock()


def page_of(query: Select[Any], pagination_parameters: Any) -> list[Any]:
    """One page of a query's rows, telling flask-smorest the total for X-Pagination."""
    page = db.paginate(
        query,
        page=pagination_parameters.page,
        per_page=pagination_parameters.page_size,
        error_out=False,
    )
    pagination_parameters.item_count = page.total
    return list(page.items)


def page_of_list(items: list[Any], pagination_parameters: Any) -> list[Any]:
    """The same for a list already in memory (short lists such as a client's links)."""
    pagination_parameters.item_count = len(items)
    start = pagination_parameters.first_item
    return items[start : start + pagination_parameters.page_size]

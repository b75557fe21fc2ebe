"""What views hand to services, built from the app's configuration."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import Select

from api.extensions import db
from api.jobs import JobRunner
from api.registry import app_services
from api.services.accounts import Passwords, TokenPolicy
from api.storage.base import Storage


def passwords() -> Passwords:
    return app_services().passwords


def token_policy() -> TokenPolicy:
    config = current_app.config
    return TokenPolicy(
        access_seconds=config["ACCESS_TOKEN_SECONDS"], refresh_days=config["REFRESH_TOKEN_DAYS"]
    )


def storage() -> Storage:
    return app_services().storage


def jobs() -> JobRunner:
    return app_services().jobs


def now() -> datetime:
    """The server clock (`AppServices.clock`; tests freeze it)."""
    return app_services().clock()


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

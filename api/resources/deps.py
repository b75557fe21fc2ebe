"""What views hand to services, built from the app's configuration."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import current_app

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

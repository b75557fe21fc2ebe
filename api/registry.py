"""The app's services, typed: `create_app` builds one `AppServices` and keeps it in
`app.extensions` under one key; code reads it through `app_services()`, never by a string.

A test swaps a service by installing a copy with that field replaced
(`dataclasses.replace(app_services(app), clock=frozen)`), and puts the original back."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from flask import Flask, current_app

from api.models.base import utcnow

if TYPE_CHECKING:  # types only: these modules read their services through this one
    from api.cache import CatalogCache
    from api.jobs.runners import JobRunner
    from api.services.accounts import Passwords
    from api.services.mail import MailTransport
    from api.services.support import Support
    from api.storage.base import Storage
    from api.web import WebApp

KEY = "interlude"


@dataclass(frozen=True)
class AppServices:
    storage: Storage
    passwords: Passwords
    jobs: JobRunner
    catalog_cache: CatalogCache
    # Named checks for /readyz: each raises when its dependency is down.
    readiness: Mapping[str, Callable[[], None]]
    web: WebApp
    support: Support
    mail: MailTransport
    clock: Callable[[], datetime] = utcnow  # the server's; tests freeze it


def app_services(app: Flask | None = None) -> AppServices:
    """The services of `app`, or of the current app."""
    services = (app if app is not None else current_app).extensions.get(KEY)
    if not isinstance(services, AppServices):
        raise RuntimeError("this app has no services: build it with api.create_app")
    return services


def install_services(app: Flask, services: AppServices) -> None:
    app.extensions[KEY] = services

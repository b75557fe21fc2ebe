"""Interlude's HTTP API. `create_app` is the only thing that runs at import of a server."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import swagger_ui_bundle
from flask import Flask, request, send_from_directory
from flask_smorest import abort
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from api.cache import CatalogCache
from api.cli import register_cli
from api.config import Config
from api.crypto import install_keyring, load_keyring
from api.errors import close_session_quietly, register_error_handlers
from api.extensions import api, cors, db, migrate
from api.jobs import make_runner
from api.jobs.mail import init_mail
from api.jsondepth import refuse_deep_json
from api.logs import configure_logging
from api.metrics import init_metrics
from api.openapi import register_converters
from api.query import register_query_check
from api.ratelimit import limiter
from api.registry import AppServices, app_services, install_services
from api.services.accounts import Passwords
from api.services.health import database_check
from api.services.mail import transport_from_url
from api.services.support import load_support
from api.storage import storage_from_url
from api.transactions import begin_statement, refuse_undeclared_writes
from api.web import init_web

API_CSP = "default-src 'none'; frame-ancestors 'none'"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Bodies of these types are accepted; each view's schema then decides what it reads.
ACCEPTED_BODY_TYPES = {"application/json", "multipart/form-data"}


def create_app(config: Config | Mapping[str, Any] | None = None) -> Flask:
    base = config if isinstance(config, Config) else Config()
    app = Flask(__name__, instance_path=str(base.INSTANCE_DIR), static_folder=None)
    app.config.update(base.as_mapping())
    if isinstance(config, Mapping):
        app.config.update(config)
    if not app.config["SECRET_KEY"]:
        # Tokens are random and stored hashed, so the key only signs transient things.
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_UPLOAD_MB"] * 1024 * 1024
    hops = app.config["PROXY_HOPS"]
    if hops:  # trust X-Forwarded-* only from the proxies we were told about
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    configure_logging(app)
    _init_data_keys(app)
    _init_database(app)
    init_metrics(app)
    api.init_app(app)
    register_converters(app, api)
    limiter.init_app(app)
    if app.config["CORS_ORIGINS"]:
        cors.init_app(
            app,
            origins=app.config["CORS_ORIGINS"],
            expose_headers=[
                "X-Request-ID",
                "X-Pagination",
                "ETag",
                "Content-Range",
                "Retry-After",
                "Content-Disposition",
            ],
            max_age=600,
        )
    register_error_handlers(app, api, db)
    _register_blueprints(app)
    _register_hooks(app)
    init_mail(app)
    refuse_deep_json(app)
    register_query_check(app, api)
    install_services(app, _build_services(app))
    register_cli(app, create_app)
    return app


def _build_services(app: Flask) -> AppServices:
    support = load_support(app.config["SUPPORT_CONTACTS"])
    passwords = Passwords(app.config["ARGON2_TIME_COST"], app.config["ARGON2_MEMORY_KIB"])
    storage = storage_from_url(
        app.config["STORAGE_URL"],
        endpoint_url=app.config["S3_ENDPOINT_URL"],
        presign_seconds=app.config["PRESIGN_SECONDS"],
        region=app.config["AWS_REGION"],
    )
    web = init_web(app, storage)  # the page's CSP names where the storage's audio comes from
    with app.app_context():
        database = database_check(db.engine)
    return AppServices(
        storage=storage,
        passwords=passwords,
        jobs=make_runner(app),
        catalog_cache=CatalogCache(app.config["CATALOG_CACHE_SECONDS"]),
        # The storage is read when checked: a test may swap it.
        readiness={"database": database, "storage": lambda: app_services(app).storage.check()},
        web=web,
        support=support,
        mail=transport_from_url(
            app.config["MAIL_URL"],
            outbox=Path(app.instance_path) / "outbox",
            timeout=app.config["MAIL_TIMEOUT_SECONDS"],
        ),
    )


def _init_data_keys(app: Flask) -> None:
    """Keys for health data at rest (api/crypto.py). A deployment must bring its own: one
    that says it is production, or runs on any database but the embedded SQLite file."""
    uri: str = app.config["SQLALCHEMY_DATABASE_URI"]
    production = app.config["ENVIRONMENT"] == "production" or not uri.startswith("sqlite")
    keyring = load_keyring(
        app.config["DATA_KEYS"], production=production, instance_dir=Path(app.instance_path)
    )
    install_keyring(app, keyring)


def _init_database(app: Flask) -> None:
    uri: str = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
        options.pop("pool_pre_ping", None)  # a local file: no connection to go stale
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**options, "connect_args": {"timeout": 30}}
        os.makedirs(app.instance_path, exist_ok=True)
    import api.models  # noqa: F401  (registers the tables)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    # Runs before Flask-SQLAlchemy's own teardown (teardowns run last-registered first).
    app.teardown_appcontext(lambda _exc: close_session_quietly(db))
    with app.app_context():
        refuse_undeclared_writes(db.engine)
        if uri.startswith("sqlite"):
            _configure_sqlite(db.engine)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def set_pragmas(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide where transactions begin (savepoints work).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin(connection: Any) -> None:
        # Views that write take the write lock up front; reads stay concurrent.
        connection.exec_driver_sql(begin_statement())


def _register_blueprints(app: Flask) -> None:
    from api.resources import (
        admin,
        auth,
        care,
        editor,
        exercises,
        health,
        jobs,
        me,
        practices,
        push,
        sessions,
        support,
    )

    for module in (
        health,
        auth,
        me,
        admin,
        exercises,
        editor,
        jobs,
        practices,
        care,
        push,
        sessions,
        support,
    ):
        api.register_blueprint(module.blp)

    static_dir = swagger_ui_bundle.swagger_ui_path

    @app.route("/api/docs/static/<path:filename>")
    def swagger_static(filename: str) -> Response:
        response = send_from_directory(static_dir, filename, max_age=86400)
        response.headers["Cache-Control"] = "public, max-age=86400"
        return response


def _register_hooks(app: Flask) -> None:
    @app.before_request
    def require_json_bodies() -> None:
        if request.method in ("POST", "PUT", "PATCH") and request.path.startswith("/api/v1/"):
            has_body = (request.content_length or 0) > 0 or request.headers.get("Transfer-Encoding")
            if has_body and request.mimetype not in ACCEPTED_BODY_TYPES:
                abort(
                    415,
                    message=f"Send the body as application/json, not "
                    f"'{request.mimetype or 'no content type'}'.",
                )

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("X-Frame-Options", "DENY")
        if not request.path.startswith("/api/docs"):
            headers.setdefault("Content-Security-Policy", API_CSP)
        if request.path.startswith("/api/v1/") and "Cache-Control" not in headers:
            # Personal by default; public catalog responses set their own caching.
            headers["Cache-Control"] = "no-store"
        return response

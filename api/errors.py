"""One error shape for every failure: flask-smorest's {code, status, message, errors?}."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from flask import Flask, current_app, request
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from werkzeug.exceptions import (
    Conflict,
    HTTPException,
    InternalServerError,
    ServiceUnavailable,
    default_exceptions,
)

from api.openapi import (
    PAGINATION_HEADER,
    RETRY_AFTER,
    ContractPlugin,
    ErrorSchema,
    nullable_reference,
)
from api.services import errors as domain
from api.services.errors import ServiceError

log = logging.getLogger("interlude.errors")


class InterludeApi(Api):
    """flask-smorest's Api, with a human message on every error (404 and 405 included) and a
    document tuned for generated clients (api.openapi)."""

    ERROR_SCHEMA = ErrorSchema

    def _init_spec(self, **kwargs: Any) -> None:
        kwargs["extra_plugins"] = [*kwargs.get("extra_plugins", ()), ContractPlugin()]
        super()._init_spec(**kwargs)
        self.ma_plugin.converter.add_attribute_function(nullable_reference)

    def _register_pagination_header(self) -> None:
        # X-Pagination carries JSON text: a string header (a `schema: object` header would
        # mean comma-separated key=value pairs in OpenAPI).
        self.spec.components.header("PAGINATION", PAGINATION_HEADER, lazy=True)

    def _register_responses(self) -> None:
        # flask-smorest's components, one per status (and DEFAULT_ERROR); every 429 we send
        # carries Retry-After, so its component says so.
        for status in [*HTTPStatus, None]:
            response: dict[str, Any] = {"description": status.phrase if status else "Error"}
            if status is None or not (100 <= status < 200 or status in (204, 304)):
                response["schema"] = self.ERROR_SCHEMA
            if status == HTTPStatus.TOO_MANY_REQUESTS:
                response["headers"] = {"Retry-After": RETRY_AFTER}
            prepare_response(response, self.spec, self.DEFAULT_RESPONSE_CONTENT_TYPE)
            name = status.name if status else "DEFAULT_ERROR"
            self.spec.components.response(name, response, lazy=True)

    def handle_http_exception(self, error: HTTPException):
        payload, code, headers = super().handle_http_exception(error)
        if "message" not in payload:
            summary = summarise_errors(payload.get("errors"))
            if code == 422 and summary:
                payload["message"] = f"Please fix: {summary}"
            elif code == 400 and summary:
                payload["message"] = summary
            else:
                payload["message"] = error.description or error.name
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            headers = dict(headers)
            headers["Allow"] = ", ".join(sorted(error.valid_methods))
        if error.code == 429:
            headers = dict(headers)
            retry_after = getattr(error, "retry_after", None)
            if retry_after:
                headers.setdefault("Retry-After", str(retry_after))
        return payload, code, headers


def summarise_errors(errors: object) -> str:
    """Flatten webargs' {location: {field: [messages]}} into "field: message; ..."."""
    if not isinstance(errors, dict):
        return ""
    parts: list[str] = []

    def walk(node: object, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list) and all(isinstance(item, str) for item in node):
            text = " ".join(node)
            parts.append(f"{path}: {text}" if path else text)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{path}[{index}]")
        else:
            parts.append(f"{path}: {node}")

    for location, fields in errors.items():
        if location in ("json", "query", "files", "form", "headers", "path"):
            walk(fields, "")
        else:
            walk({location: fields}, "")
    return "; ".join(parts)


# What each kind of domain error (api.services.errors) answers; a subclass answers as the
# nearest kind it is one of.
STATUS_OF_KIND: dict[type[ServiceError], int] = {
    domain.Rejected: 422,
    domain.NotFound: 404,
    domain.Conflict: 409,
    domain.Unauthorized: 401,
    domain.Forbidden: 403,
    domain.Gone: 410,
    domain.TooLarge: 413,
    domain.Unsupported: 415,
    domain.Unavailable: 503,
    ServiceError: 400,
}


def http_error_for(error: ServiceError) -> HTTPException:
    """The HTTP answer to a domain error: its status from `STATUS_OF_KIND`, its message, and
    the fields at fault under the request's input location (its JSON body, its uploaded
    files, or else its query string), as webargs reports its own errors."""
    status = next(STATUS_OF_KIND[kind] for kind in type(error).__mro__ if kind in STATUS_OF_KIND)
    exc = default_exceptions[status](error.message)
    exc.data = {"message": error.message}  # type: ignore[attr-defined]
    if error.fields:
        if request.is_json:
            location = "json"
        elif request.mimetype == "multipart/form-data":
            location = "files"
        else:
            location = "query"
        exc.data["errors"] = {location: error.fields}  # type: ignore[attr-defined]
    return exc


def database_reason(error: DBAPIError) -> str:
    """The driver's first line: which constraint or what happened to the connection, without
    PostgreSQL's DETAIL line, which quotes the values (an email address, say)."""
    lines = str(error.orig).strip().splitlines()
    return f"{type(error.orig).__name__}: {lines[0] if lines else ''}"


def close_session_quietly(db: SQLAlchemy) -> None:
    """End the request's session. A connection that died after the answer was made (the
    database restarted, `pg_terminate_backend`) fails the closing ROLLBACK: the pool has
    already discarded it, and the answer stands instead of turning into gunicorn's 500."""
    try:
        db.session.remove()
    except DBAPIError as error:
        log.warning("database connection lost while closing a session: %s", database_reason(error))
        db.session.registry.clear()


def register_error_handlers(app: Flask, api: InterludeApi, db: SQLAlchemy) -> None:
    """A failed request's transaction (on `db.session`) is rolled back before the answer."""

    def integrity_error(error: IntegrityError):
        # Two requests raced to create the same thing: the loser gets a clean 409.
        db.session.rollback()
        log.info("integrity conflict: %s", database_reason(error))
        return api.handle_http_exception(
            Conflict("This conflicts with something that already exists; reload and try again.")
        )

    def database_unavailable(error: OperationalError):
        db.session.rollback()
        log.error("database error: %s", database_reason(error))
        return api.handle_http_exception(
            ServiceUnavailable("The service is briefly unavailable; please retry.")
        )

    def unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return api.handle_http_exception(error)
        current_app.logger.exception("unhandled error")
        return api.handle_http_exception(
            InternalServerError("Something went wrong on our side; it has been logged.")
        )

    def service_error(error: ServiceError):
        db.session.rollback()
        return api.handle_http_exception(http_error_for(error))

    app.register_error_handler(ServiceError, service_error)
    app.register_error_handler(IntegrityError, integrity_error)
    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(Exception, unexpected)

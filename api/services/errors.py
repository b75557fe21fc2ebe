"""Failures a service reports; `api.errors` turns each into its HTTP answer."""

from __future__ import annotations


class ServiceError(Exception):
    status = 400

    def __init__(self, message: str, errors: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    status = 409


class Invalid(ServiceError):
    """Input that is well-formed but breaks a rule: 422, naming the field."""

    status = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, errors={"json": {field: [message]}})


class Unauthorized(ServiceError):
    status = 401


class Forbidden(ServiceError):
    status = 403

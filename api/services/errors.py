"""The ways a service says no, in the domain's words: what went wrong, in a sentence a person
can act on, and which inputs were at fault. Nothing here knows HTTP: `api.errors` decides
the status and the answer's shape for each kind, in one table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class ServiceError(Exception):
    """A rule said no. `fields` names the inputs at fault: {name: [messages or details]}."""

    def __init__(self, message: str, fields: Mapping[str, Sequence[object]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = dict(fields) if fields else None


class NotFound(ServiceError):
    """It does not exist, or it is not the caller's to see (the two are not told apart)."""


class Conflict(ServiceError):
    """It cannot be done in the state things are in (taken, published, already running)."""


class Rejected(ServiceError):
    """Well-formed input that breaks a rule; `fields` says which inputs and why."""


class Invalid(Rejected):
    """One input breaks a rule."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, {field: [message]})


class Unauthorized(ServiceError):
    """The caller could not be told apart from anyone: a wrong password, an unknown token."""


class Forbidden(ServiceError):
    """The caller is known, and may not do this."""


class Gone(ServiceError):
    """It existed and was deleted on purpose; asking again will not bring it back."""


class TooLarge(ServiceError):
    """More than the service takes at once."""


class Unsupported(ServiceError):
    """Something of a kind the service cannot use (a file that is not audio)."""


class Unavailable(ServiceError):
    """Something the operation needs cannot be reached or is not set up (a job queue that is
    down, push without keys); asking again later may succeed."""

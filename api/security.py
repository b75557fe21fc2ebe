"""Bearer-token authentication for views, and the signed-in user."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import current_app, g, request
from flask_smorest import Blueprint, abort

from api.extensions import db
from api.models import AuthSession, Role, User
from api.services import accounts
from api.services.errors import Unauthorized

F = TypeVar("F", bound=Callable[..., Any])

# Used only for its documentation decorators, which record responses on the view.
_docs = Blueprint("_security_docs", __name__)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def current_user() -> User:
    return cast(User, g.current_user)


def current_auth_session() -> AuthSession:
    return cast(AuthSession, g.current_auth_session)


def auth_required(*roles: Role) -> Callable[[F], F]:
    """Require a valid access token and, when `roles` are given, one of those roles (else 403).

    Put it above `@blp.arguments` so that authentication is checked before the body."""

    def decorator(func: F) -> F:
        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            token = bearer_token()
            if not token:
                abort(
                    401,
                    message="Sign in first: send 'Authorization: Bearer <access_token>'.",
                    headers={"WWW-Authenticate": 'Bearer realm="interlude"'},
                )
                raise AssertionError("unreachable")  # abort raises; this tells mypy so
            try:
                user, pair = accounts.authenticate_access_token(db.session, token)
            except Unauthorized as error:
                abort(
                    401,
                    message=error.message,
                    headers={"WWW-Authenticate": 'Bearer realm="interlude", error="invalid_token"'},
                )
            if roles and user.role not in roles:
                allowed = " or ".join(with_article(r.value) for r in roles)
                you = with_article(user.role.value)
                abort(403, message=f"This needs {allowed}; you are {you}.")
            g.current_user, g.current_auth_session = user, pair
            return current_app.ensure_sync(func)(*args, **kwargs)

        documented = _docs.doc(security=[{"bearerAuth": []}])(wrapper)
        documented = _docs.alt_response(401, response="UNAUTHORIZED")(documented)
        if roles:
            documented = _docs.alt_response(403, response="FORBIDDEN")(documented)
        return cast(F, documented)

    return decorator


def with_article(word: str) -> str:
    return f"{'an' if word[0] in 'aeiou' else 'a'} {word}"


def documents(*codes: int) -> Callable[[F], F]:
    """Record the error responses a view can give, so the OpenAPI document is true."""

    def decorator(func: F) -> F:
        from http import HTTPStatus

        for code in codes:
            func = _docs.alt_response(code, response=HTTPStatus(code).name)(func)
        return func

    return decorator


def optional_user() -> User | None:
    """The signed-in user when a valid token is sent; otherwise None (public reads never fail
    because a phone kept an expired token)."""
    token = bearer_token()
    if not token:
        return None
    try:
        user, _pair = accounts.authenticate_access_token(db.session, token)
    except Unauthorized:
        return None
    return user


def is_staff_editor(user: User | None) -> bool:
    return user is not None and user.role in (Role.EDITOR, Role.ADMIN)

"""How a request's database transaction begins: views that write say so with `@writes`.

SQLite has one writer at a time. A deferred transaction (`BEGIN`) that reads and then writes
fails at once with "database is locked" when another writer committed in between (its
snapshot is stale, so waiting cannot help); taking the write lock up front (`BEGIN IMMEDIATE`)
makes writers queue on the busy timeout instead. So the views that write — whatever their
HTTP verb: a therapist's GET writes the access log, `POST /scripts/validate` only reads — are
marked once with `@writes` and begin IMMEDIATE; every other view begins deferred, and reads
run side by side. Outside a view (the CLI, job threads) a transaction may always write.

A view that wrote without the mark would fail only under load, only on SQLite; so its first
INSERT, UPDATE or DELETE is refused on every database, and the tests find the missing mark."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

F = TypeVar("F", bound=Callable[..., Any])

_MARK = "interlude_writes"
_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE")


class UndeclaredWrite(RuntimeError):
    """A view wrote to the database without `@writes`."""


def writes(view: F) -> F:
    """Mark a view (a MethodView method or a view function) as one that writes. Put it
    above the other decorators."""
    setattr(view, _MARK, True)
    return view


def _view_of_request() -> Callable[..., Any] | None:
    view = current_app.view_functions.get(request.endpoint or "")
    view_class = getattr(view, "view_class", None)
    if view_class is None:
        return view
    method = getattr(view_class, request.method.lower(), None)
    if method is None and request.method == "HEAD":
        method = getattr(view_class, "get", None)
    return method


def request_may_write() -> bool:
    """Whether the current transaction may write: inside a request, only when its view is
    marked `@writes` (a request no view serves may too: it touches nothing of ours)."""
    if not has_request_context():
        return True
    environ = request.environ  # per request (an app context, and `g`, may span several)
    if _MARK not in environ:
        view = _view_of_request()
        environ[_MARK] = view is None or bool(getattr(view, _MARK, False))
    return bool(environ[_MARK])


def begin_statement() -> str:
    """SQLite's BEGIN for the current transaction (see the module's docstring)."""
    return "BEGIN IMMEDIATE" if request_may_write() else "BEGIN"


def refuse_undeclared_writes(engine: Engine) -> None:
    @event.listens_for(engine, "before_cursor_execute")
    def check(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip()[:6].upper() in _WRITE_VERBS and not request_may_write():
            raise UndeclaredWrite(
                f"The view for {request.method} {request.path} ({request.endpoint}) writes to "
                "the database but is not marked @writes (api.transactions)."
            )

"""A service operation that writes is one unit of work: it commits when it is done, or
rolls back if it raises. Views, the CLI and jobs call it and never commit themselves.

An operation may call another (accepting an invitation makes a link, which writes the log):
only the outermost one commits, so the whole stays one transaction. The depth is kept on the
session (`session.info`), which is per request, per job, per CLI command."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar, overload

from sqlalchemy.orm import Session, scoped_session

P = ParamSpec("P")
R = TypeVar("R")
Db = Session | scoped_session[Session]
Operation = Callable[Concatenate[Any, P], R]

_DEPTH = "interlude_unit_of_work_depth"


def commit(session: Db, *, keep_loaded: bool = False) -> None:
    """Commit. With `keep_loaded`, without expiring what the session loaded: for an operation
    whose answer is what it read or wrote (a therapist's read, which writes the client's
    access log after reading; the export; publishing), so that writing the answer out reads
    nothing again, one query a row. (A bulk UPDATE that bypasses the objects would leave them
    stale: not for those.)"""
    if not keep_loaded:
        session.commit()
        return
    inner = session() if isinstance(session, scoped_session) else session
    inner.expire_on_commit = False
    try:
        inner.commit()
    finally:
        inner.expire_on_commit = True


@overload
def unit_of_work(operation: Operation[P, R], /) -> Operation[P, R]: ...


@overload
def unit_of_work(*, keep_loaded: bool = False) -> Callable[[Operation[P, R]], Operation[P, R]]: ...


def unit_of_work(operation: Any = None, /, *, keep_loaded: bool = False) -> Any:
    """Make a service operation (its first argument is the session) one transaction:
    `@unit_of_work`, or `@unit_of_work(keep_loaded=True)` (see `commit`)."""

    def decorate(function: Operation[P, R]) -> Operation[P, R]:
        @functools.wraps(function)
        def run(session: Db, /, *args: P.args, **kwargs: P.kwargs) -> R:
            depth = session.info.get(_DEPTH, 0)
            session.info[_DEPTH] = depth + 1
            try:
                result = function(session, *args, **kwargs)
                if depth == 0:
                    commit(session, keep_loaded=keep_loaded)
                return result
            except BaseException:
                if depth == 0:
                    session.rollback()
                raise
            finally:
                session.info[_DEPTH] = depth

        return run

    return decorate(operation) if operation is not None else decorate

"""Readiness checks: each is a named callable that raises when its dependency is down."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy import text
from sqlalchemy.engine import Engine


def database_check(engine: Engine) -> Callable[[], None]:
    def check() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    return check


def run_checks(checks: Mapping[str, Callable[[], None]]) -> dict[str, str]:
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except Exception as error:  # any failure means "not ready", with its reason
            results[name] = f"unreachable ({type(error).__name__})"
    return results

"""Fixtures for the practice log: an exercise, a frozen server clock, practice bodies."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import swapped_services

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


class FrozenClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(app) -> Iterator[FrozenClock]:
    """The server's clock, stopped at NOW (move it with `clock.now = ...`)."""
    frozen = FrozenClock(NOW)
    with swapped_services(app, clock=frozen):
        yield frozen


@pytest.fixture
def exercise(make_exercise) -> str:
    make_exercise("box-breathing", kind="breathing", lengths=[3, 5, 10])
    return "box-breathing"


@pytest.fixture
def body(clock, exercise) -> Callable[..., dict[str, Any]]:
    """`body(started_at=..., mood_after=...)` -> a valid practice body (no id)."""

    def make(**changes: Any) -> dict[str, Any]:
        practice: dict[str, Any] = {
            "exercise": exercise,
            "length_minutes": 5,
            "started_at": (clock.now - timedelta(hours=1)).isoformat(),
            "duration_seconds": 300,
            "completed": True,
            "mood_before": 4,
            "mood_after": 7,
            "note": "Calmer afterwards.",
            "share_note": False,
        }
        practice.update(changes)
        return {key: value for key, value in practice.items() if value is not ...}

    return make


def new_id() -> str:
    return str(uuid.uuid4())


def put(client, person, practice_id: str, practice: dict[str, Any]):
    return client.put(f"/api/v1/me/practices/{practice_id}", json=practice, headers=person.headers)


def sync(client, person, items: list[Any]):
    return client.post(
        "/api/v1/me/practices/sync", json={"practices": items}, headers=person.headers
    )


def stored_rows(app, user_id: str | None = None) -> list[Any]:
    from sqlalchemy import select

    from api.extensions import db
    from api.models import Practice

    with app.app_context():
        query = select(Practice).order_by(Practice.started_at)
        if user_id is not None:
            query = query.where(Practice.user_id == uuid.UUID(user_id))
        rows = list(db.session.scalars(query))
        db.session.remove()
        return rows

"""Fixtures for Web Push: VAPID keys in the app's settings, and a fake push service."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api.services.push import new_key_pair
from tests.push_service import FakePushService

SUBJECT = "mailto:reminders@example.org"


@pytest.fixture(scope="session")
def vapid_pair() -> tuple[str, str]:
    return new_key_pair()


@pytest.fixture
def push_service(vapid_pair) -> Iterator[FakePushService]:
    service = FakePushService(expect_key=vapid_pair[1]).start()
    yield service
    service.stop()


@pytest.fixture
def push_ready(app, monkeypatch, vapid_pair, push_service) -> FakePushService:
    """The app with VAPID keys, sending to the public push hosts and the fake service."""
    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", vapid_pair[0])
    monkeypatch.setitem(app.config, "VAPID_SUBJECT", SUBJECT)
    monkeypatch.setitem(app.config, "PUSH_HOSTS", [*app.config["PUSH_HOSTS"], push_service.host])
    return push_service


# The care fixtures: a therapist, links, exercises and the frozen clock.
from tests.api.care.conftest import (  # noqa: E402, F401
    clock,
    exercises,
    invite,
    link,
    therapist,
)

"""Fixtures for care: a therapist, a client who accepted their invitation, exercises."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from api.models import Role
from tests.api.practices.conftest import FrozenClock
from tests.conftest import swapped_services


@dataclass
class Pair:
    therapist: object
    client: object


@pytest.fixture
def therapist(make_user):
    return make_user(Role.THERAPIST, display_name="Dr. Rivera")


@pytest.fixture
def invite(client, therapist):
    def make(by=None) -> str:
        response = client.post("/api/v1/invitations", headers=(by or therapist).headers)
        assert response.status_code == 201, response.json
        return response.json["code"]

    return make


@pytest.fixture
def link(client, invite):
    """`link(person, share_mood=True, share_notes=False, share_history=None, by=therapist)`
    accepts an invitation (share_history None: left out of the body, so the default)."""

    def accept(person, *, share_mood=True, share_notes=False, share_history=None, by=None):
        code = invite(by)
        body = {"share_mood": share_mood, "share_notes": share_notes}
        if share_history is not None:
            body["share_history"] = share_history
        response = client.post(
            f"/api/v1/invitations/{code}/accept", json=body, headers=person.headers
        )
        assert response.status_code == 201, response.json
        return response.json

    return accept


@pytest.fixture
def linked(client_user, therapist, link):
    link(client_user)
    return Pair(therapist, client_user)


@pytest.fixture
def clock(app):
    """The server's clock, stopped at noon UTC on Wednesday 2026-11-18; move it with
    `clock.now = ...` (links, prescriptions and practices take their times from it)."""
    frozen = FrozenClock(datetime(2026, 11, 18, 12, 0, tzinfo=UTC))
    with swapped_services(app, clock=frozen):
        yield frozen


@pytest.fixture
def exercises(make_exercise):
    make_exercise("box-breathing", kind="breathing", lengths=[3, 5, 10])
    make_exercise("body-scan", kind="body-scan", lengths=[10, 20])
    return ["box-breathing", "body-scan"]

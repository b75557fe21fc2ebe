"""Fixtures for care: a therapist, a client who accepted their invitation, exercises."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from api.models import Role


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
    """`link(person, share_mood=True, share_notes=False, by=therapist)` accepts an invitation."""

    def accept(person, *, share_mood=True, share_notes=False, by=None):
        code = invite(by)
        response = client.post(
            f"/api/v1/invitations/{code}/accept",
            json={"share_mood": share_mood, "share_notes": share_notes},
            headers=person.headers,
        )
        assert response.status_code == 201, response.json
        return response.json

    return accept


@pytest.fixture
def linked(client_user, therapist, link):
    link(client_user)
    return Pair(therapist, client_user)


@pytest.fixture
def exercises(make_exercise):
    make_exercise("box-breathing", kind="breathing", lengths=[3, 5, 10])
    make_exercise("body-scan", kind="body-scan", lengths=[10, 20])
    return ["box-breathing", "body-scan"]

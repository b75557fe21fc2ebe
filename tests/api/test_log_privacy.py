"""Nothing secret or personal reaches the logs. A whole life in the service runs through a real
gunicorn at DEBUG — sign-up, sign-in (and a wrong password), a refreshed token, practices with
notes (one by PUT, a batch by sync, a conflicting replay), a therapist's invitation and views,
a bad request, the export and the erasure — and everything the server wrote is then searched
for each password, token, refresh token, email address, note and invitation code used."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests

from api.models import Role

API = "/api/v1"
CLIENT_EMAIL = "juniper.private@example.org"
CLIENT_PASSWORD = "juniper-secret-passphrase-42"
THERAPIST_PASSWORD = "therapist-secret-passphrase-7"
NOTES = [
    "Panic before the meeting, breathing helped a bit",
    "Thinking about the divorce again",
    "Slept badly, felt numb",
]


@pytest.fixture
def server(make_live_server):
    return make_live_server(workers=1, threads=4, env={"INTERLUDE_LOG_LEVEL": "DEBUG"})


def call(method: str, url: str, *, expect: int, **kwargs) -> requests.Response:
    answer = requests.request(method, url, timeout=30, **kwargs)
    assert answer.status_code == expect, f"{method} {url}: {answer.status_code} {answer.text}"
    return answer


def run_a_life(base: str, therapist_email: str, secrets: list[str]) -> None:
    """Every step a person takes; each secret it sees is appended to `secrets`."""
    call(
        "POST",
        f"{base}/auth/register",
        json={"email": CLIENT_EMAIL, "password": CLIENT_PASSWORD, "timezone": "UTC"},
        expect=202,
    )
    call(
        "POST",
        f"{base}/auth/token",
        json={"email": CLIENT_EMAIL, "password": "not-the-right-password"},
        expect=401,
    )
    signed_in = call(
        "POST",
        f"{base}/auth/token",
        json={"email": CLIENT_EMAIL, "password": CLIENT_PASSWORD},
        expect=200,
    ).json()
    secrets += [signed_in["access_token"], signed_in["refresh_token"]]
    refreshed = call(
        "POST",
        f"{base}/auth/refresh",
        json={"refresh_token": signed_in["refresh_token"]},
        expect=200,
    ).json()
    secrets += [refreshed["access_token"], refreshed["refresh_token"]]
    me = {"Authorization": f"Bearer {refreshed['access_token']}"}

    therapist = call(
        "POST",
        f"{base}/auth/token",
        json={"email": therapist_email, "password": THERAPIST_PASSWORD},
        expect=200,
    ).json()
    secrets += [therapist["access_token"], therapist["refresh_token"]]
    staff = {"Authorization": f"Bearer {therapist['access_token']}"}
    code = call("POST", f"{base}/invitations", headers=staff, expect=201).json()["code"]
    secrets.append(code)
    call(
        "POST",
        f"{base}/invitations/{code}/accept",
        json={"share_mood": True, "share_notes": True},
        headers=me,
        expect=201,
    )

    record_practices(base, me)
    client_id = call("GET", f"{base}/me", headers=me, expect=200).json()["id"]
    for path in ("clients", f"clients/{client_id}", f"clients/{client_id}/practices"):
        call("GET", f"{base}/{path}", headers=staff, expect=200)
    call(
        "PATCH",
        f"{base}/me",
        json={"timezone": f"Not/{CLIENT_EMAIL}"},
        headers=me,
        expect=422,
    )
    call("GET", f"{base}/me/export", headers=me, expect=200)
    call("DELETE", f"{base}/me", json={"password": CLIENT_PASSWORD}, headers=me, expect=204)
    call("GET", f"{base}/me", headers=me, expect=401)


def record_practices(base: str, me: dict[str, str]) -> None:
    started = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    body = {"exercise": "box-breathing", "started_at": started, "duration_seconds": 300}
    first = str(uuid.uuid4())
    call(
        "PUT",
        f"{base}/me/practices/{first}",
        json={**body, "completed": True, "note": NOTES[0], "share_note": True},
        headers=me,
        expect=201,
    )
    call(
        "PUT",  # the same id with another note: a conflict, answered 422
        f"{base}/me/practices/{first}",
        json={**body, "completed": True, "note": NOTES[2]},
        headers=me,
        expect=422,
    )
    batch = [
        {**body, "id": str(uuid.uuid4()), "completed": True, "note": note} for note in NOTES[1:]
    ]
    call("POST", f"{base}/me/practices/sync", json={"practices": batch}, headers=me, expect=200)


def test_the_server_logs_no_password_token_email_note_or_invitation_code(
    server, make_user, make_exercise
):
    make_exercise("box-breathing")
    therapist = make_user(
        Role.THERAPIST, email="dr.hidden@example.org", password=THERAPIST_PASSWORD
    )
    secrets: list[str] = [CLIENT_EMAIL, CLIENT_PASSWORD, THERAPIST_PASSWORD, therapist.email]
    secrets += [therapist.token, *NOTES]

    run_a_life(f"{server.url}{API}", therapist.email, secrets)
    server.stop()  # everything flushed

    logged = server.log_path.read_text(errors="replace")
    assert '"logger": "interlude.access"' in logged  # the scenario was logged, at DEBUG
    leaks = [secret for secret in secrets if secret.lower() in logged.lower()]
    assert leaks == [], f"found in the server log: {leaks}"
    local_part = CLIENT_EMAIL.split("@")[0]
    assert local_part not in logged

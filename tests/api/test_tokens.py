"""Sign-in, refresh rotation, sign-out and what makes a token stop working."""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from api.extensions import db
from api.models import AuthSession, User
from api.models.base import utcnow
from api.services import accounts
from api.services.accounts import Passwords
from tests.conftest import swapped_services

TOKEN = "/api/v1/auth/token"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/me"


def sign_in(client, person, password=None):
    return client.post(TOKEN, json={"email": person.email, "password": password or person.password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_sign_in_returns_a_token_pair(client, client_user):
    response = sign_in(client, client_user)
    assert response.status_code == 200
    body = response.json
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert len(body["access_token"]) >= 40 and len(body["refresh_token"]) >= 40
    assert client.get(ME, headers=bearer(body["access_token"])).json["email"] == client_user.email


def test_sign_in_ignores_email_case_and_spaces(client, client_user):
    response = client.post(
        TOKEN, json={"email": f"  {client_user.email.upper()} ", "password": client_user.password}
    )
    assert response.status_code == 200


def test_tokens_are_stored_only_as_hashes(client, client_user, app):
    body = sign_in(client, client_user).json
    with app.app_context():
        rows = db.session.scalars(select(AuthSession)).all()
        stored = {value for row in rows for value in (row.access_hash, row.refresh_hash)}
    assert body["access_token"] not in stored
    assert body["refresh_token"] not in stored
    assert accounts.hash_token(body["access_token"]) in stored


def test_wrong_password_and_unknown_email_get_the_same_401(client, client_user):
    wrong = sign_in(client, client_user, password="not the password at all")
    unknown = client.post(TOKEN, json={"email": "nobody@example.org", "password": "whatever12345"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json == unknown.json


def test_sign_in_takes_as_long_for_unknown_emails_as_for_known_ones(client, client_user, app):
    # With a realistic hashing cost, an unknown email must still pay for one verification.
    slow = Passwords(time_cost=2, memory_kib=32768)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == client_user.email))
        user.password_hash = slow.hash(client_user.password)
        db.session.commit()
    app.config["TOKEN_RATE_LIMIT_ACCOUNT"] = app.config["TOKEN_RATE_LIMIT_ADDRESS"] = "1000/minute"

    def timed(email: str) -> float:
        started = time.perf_counter()
        client.post(TOKEN, json={"email": email, "password": "wrong password here"})
        return time.perf_counter() - started

    try:
        with swapped_services(app, passwords=slow):
            # Alternated, so that a burst of load from elsewhere on the machine slows both.
            pairs = [(timed(client_user.email), timed("nobody@example.org")) for _ in range(9)]
        known = statistics.median(k for k, _ in pairs)
        unknown = statistics.median(u for _, u in pairs)
    finally:
        app.config.update(
            TOKEN_RATE_LIMIT_ACCOUNT="10/minute;50/hour", TOKEN_RATE_LIMIT_ADDRESS="30/minute"
        )
    assert 0.6 < unknown / known < 1.6, (known, unknown)


def test_too_many_attempts_for_one_account_get_429_with_retry_after(client, client_user):
    statuses = [
        sign_in(client, client_user, password="wrong password!").status_code for _ in range(10)
    ]
    assert statuses == [401] * 10
    response = sign_in(client, client_user)  # even the right password waits now
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert "try again" in response.json["message"]


def test_too_many_attempts_from_one_address_get_429(client):
    statuses = [
        client.post(TOKEN, json={"email": f"p{i}@example.org", "password": "x" * 12}).status_code
        for i in range(31)
    ]
    assert statuses[:30] == [401] * 30
    assert statuses[30] == 429


def test_sign_in_with_missing_fields_is_422(client):
    response = client.post(TOKEN, json={"email": "a@example.org"})
    assert response.status_code == 422
    assert "password" in response.json["errors"]["json"]


def test_refresh_rotates_the_pair(client, client_user):
    first = sign_in(client, client_user).json
    response = client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    assert response.status_code == 200
    second = response.json
    assert second["refresh_token"] != first["refresh_token"]
    assert client.get(ME, headers=bearer(second["access_token"])).status_code == 200
    assert client.get(ME, headers=bearer(first["access_token"])).status_code == 401


def test_replaying_a_rotated_refresh_token_revokes_the_family(client, client_user):
    first = sign_in(client, client_user).json
    second = client.post(REFRESH, json={"refresh_token": first["refresh_token"]}).json
    replay = client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401
    # The legitimate holder of the newer pair is signed out too.
    assert client.get(ME, headers=bearer(second["access_token"])).status_code == 401
    assert client.post(REFRESH, json={"refresh_token": second["refresh_token"]}).status_code == 401


def test_replay_does_not_touch_other_sign_ins(client, client_user):
    phone = sign_in(client, client_user).json
    laptop = sign_in(client, client_user).json
    client.post(REFRESH, json={"refresh_token": phone["refresh_token"]})
    client.post(REFRESH, json={"refresh_token": phone["refresh_token"]})
    assert client.get(ME, headers=bearer(laptop["access_token"])).status_code == 200


def test_unknown_refresh_token_is_401(client):
    response = client.post(REFRESH, json={"refresh_token": "made-up"})
    assert response.status_code == 401


def test_expired_refresh_token_is_401(client, client_user, app):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == client_user.email))
        old = utcnow() - timedelta(days=31)
        issued = accounts.issue_tokens(db.session, user, accounts.TokenPolicy(), clock=lambda: old)
        db.session.commit()
    response = client.post(REFRESH, json={"refresh_token": issued.refresh_token})
    assert response.status_code == 401


def test_logout_ends_the_pair(client, client_user):
    pair = sign_in(client, client_user).json
    response = client.post(LOGOUT, headers=bearer(pair["access_token"]))
    assert response.status_code == 204
    assert client.get(ME, headers=bearer(pair["access_token"])).status_code == 401
    assert client.post(REFRESH, json={"refresh_token": pair["refresh_token"]}).status_code == 401


def test_logout_leaves_other_sign_ins_alone(client, client_user):
    pair = sign_in(client, client_user).json
    client.post(LOGOUT, headers=bearer(pair["access_token"]))
    assert client.get(ME, headers=client_user.headers).status_code == 200


def test_missing_token_is_401_with_a_challenge(client):
    response = client.get(ME)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Authorization" in response.json["message"]


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer not-a-real-token", "token"]
)
def test_malformed_or_unknown_token_is_401(client, header):
    response = client.get(ME, headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json["code"] == 401


def test_expired_access_token_is_401(client, client_user, app):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == client_user.email))
        two_hours_ago = utcnow() - timedelta(hours=2)
        issued = accounts.issue_tokens(
            db.session, user, accounts.TokenPolicy(), clock=lambda: two_hours_ago
        )
        db.session.commit()
    response = client.get(ME, headers=bearer(issued.access_token))
    assert response.status_code == 401
    assert "sign in again" in response.json["message"]

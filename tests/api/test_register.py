"""POST /auth/register: anyone may sign up as a client; the answer never tells whether an
address already has an account, and bursts are refused before any password is hashed."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from api.extensions import db
from api.models import User
from api.services.accounts import Passwords
from tests.conftest import swapped_services

URL = "/api/v1/auth/register"
GOOD = {
    "email": "Robin@Example.org",
    "password": "a long enough secret",
    "timezone": "Europe/Paris",
}


def count_users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def sign_in(client, email: str, password: str):
    return client.post("/api/v1/auth/token", json={"email": email, "password": password})


def test_register_creates_a_client_who_then_signs_in(client, app):
    response = client.post(URL, json={**GOOD, "display_name": "Robin"})
    assert response.status_code == 202
    assert set(response.json) == {"message"}
    assert "sign in" in response.json["message"]
    token = sign_in(client, "robin@example.org", GOOD["password"]).json["access_token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json
    assert me["email"] == "robin@example.org"
    assert me["role"] == "client"
    assert me["display_name"] == "Robin"
    assert me["timezone"] == "Europe/Paris"
    assert me["day_starts_at"] == "03:00"
    with app.app_context():
        stored = db.session.scalar(select(User))
        assert stored.password_hash.startswith("$argon2id$")
        assert "a long enough secret" not in stored.password_hash


def test_an_address_with_an_account_gets_the_same_answer_and_nothing_changes(client, app):
    first = client.post(URL, json={**GOOD, "display_name": "Robin"})
    again = client.post(
        URL,
        json={**GOOD, "email": "ROBIN@example.ORG", "password": "another secret here"},
    )
    assert (again.status_code, again.json) == (first.status_code, first.json)
    assert dict(again.headers).keys() == dict(first.headers).keys()
    assert count_users(app) == 1
    assert sign_in(client, GOOD["email"], GOOD["password"]).status_code == 200
    assert sign_in(client, GOOD["email"], "another secret here").status_code == 401


class CountingPasswords(Passwords):
    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_kib=1024)
        self.hashed = 0

    def hash(self, password: str) -> str:
        self.hashed += 1
        return super().hash(password)


@pytest.fixture
def counting_passwords(app):
    with swapped_services(app, passwords=CountingPasswords()) as swapped:
        yield swapped.passwords


def test_the_password_is_hashed_whether_or_not_the_address_has_an_account(
    client, counting_passwords
):
    client.post(URL, json=GOOD)
    assert counting_passwords.hashed == 1
    client.post(URL, json=GOOD)
    assert counting_passwords.hashed == 2  # the same work, so the same time


def test_register_cannot_choose_a_role(client, app):
    response = client.post(URL, json={**GOOD, "role": "admin"})
    assert response.status_code == 422
    assert "role" in response.json["errors"]["json"]
    assert "role" in response.json["message"]
    assert count_users(app) == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "robin\x00@example.org"}, "email"),
        ({"password": "short"}, "password"),
        ({"password": "x" * 11}, "password"),
        ({"password": "x" * 1025}, "password"),
        ({"timezone": "Mars/Base"}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"timezone": "localtime"}, "timezone"),
        ({"timezone": "Factory"}, "timezone"),
        ({"timezone": "posixrules"}, "timezone"),
        ({"timezone": "posix/Europe/Paris"}, "timezone"),
        ({"timezone": "right/UTC"}, "timezone"),
        ({"timezone": "x" * 65}, "timezone"),
        ({"display_name": ""}, "display_name"),
        ({"display_name": "x" * 101}, "display_name"),
        ({"display_name": "Ro\x00bin"}, "display_name"),
        ({"display_name": "Ro\nbin"}, "display_name"),
        ({"display_name": "Ro\ud800bin"}, "display_name"),
        ({"surprise": True}, "surprise"),
    ],
)
def test_bad_registration_is_422_naming_the_field_and_stores_nothing(client, app, change, field):
    response = client.post(URL, json={**GOOD, **change})
    assert response.status_code == 422
    assert field in response.json["errors"]["json"]
    assert count_users(app) == 0


@pytest.mark.parametrize("zone", ["Europe/London", "Etc/UTC", "UTC", "US/Eastern", "GMT0"])
def test_canonical_zones_and_their_standard_links_are_accepted(client, zone):
    assert client.post(URL, json={**GOOD, "timezone": zone}).status_code == 202


def test_timezone_message_says_what_is_wrong(client):
    response = client.post(URL, json={**GOOD, "timezone": "Mars/Base"})
    assert "timezone 'Mars/Base' is not an IANA zone" in response.json["message"]


def test_a_control_character_is_named_in_the_message(client):
    response = client.post(URL, json={**GOOD, "display_name": "Ro\x07bin"})
    assert "U+0007" in response.json["message"]


@pytest.mark.parametrize("missing", ["email", "password", "timezone"])
def test_required_fields(client, missing):
    body = {k: v for k, v in GOOD.items() if k != missing}
    response = client.post(URL, json=body)
    assert response.status_code == 422
    assert missing in response.json["errors"]["json"]


def test_password_of_exactly_twelve_and_1024_characters_is_accepted(client, app):
    assert client.post(URL, json={**GOOD, "password": "x" * 12}).status_code == 202
    other = {**GOOD, "email": "other@example.org", "password": "y" * 1024}
    assert client.post(URL, json=other).status_code == 202
    assert count_users(app) == 2


def test_malformed_json_is_400(client, app):
    response = client.post(URL, data='{"email": ', content_type="application/json")
    assert response.status_code == 400
    assert response.json["status"] == "Bad Request"
    assert "JSON" in response.json["message"]
    assert count_users(app) == 0


def test_wrong_content_type_is_415(client, app):
    response = client.post(
        URL, data="email=a@b.org", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert "application/json" in response.json["message"]
    assert count_users(app) == 0


def test_a_json_array_body_is_422(client):
    response = client.post(URL, json=[GOOD])
    assert response.status_code == 422


def test_simultaneous_registrations_of_one_email_all_answer_alike_and_make_one_account(app):
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def register() -> None:
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post(URL, json=GOOD).status_code)

    threads = [threading.Thread(target=register) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [202] * 6
    assert count_users(app) == 1


def person(number: int) -> dict[str, str]:
    return {**GOOD, "email": f"person{number}@example.org"}


def test_sign_ups_from_one_address_are_limited_before_hashing(
    client, app, monkeypatch, counting_passwords
):
    monkeypatch.setitem(app.config, "REGISTER_RATE_LIMIT_ADDRESS", "3/minute")
    assert [client.post(URL, json=person(n)).status_code for n in range(3)] == [202] * 3
    refused = client.post(URL, json=person(3))
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert "try again" in refused.json["message"]
    assert counting_passwords.hashed == 3
    assert count_users(app) == 3
    elsewhere = client.post(URL, json=person(4), environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert elsewhere.status_code == 202


def test_sign_ups_have_a_ceiling_across_all_addresses(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "REGISTER_RATE_LIMIT_TOTAL", "4/minute")
    statuses = [
        client.post(URL, json=person(n), environ_base={"REMOTE_ADDR": f"192.0.2.{n}"}).status_code
        for n in range(6)
    ]
    assert statuses == [202] * 4 + [429] * 2
    assert count_users(app) == 4

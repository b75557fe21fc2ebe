"""GET and PATCH /me: the profile, and changing the password."""

from __future__ import annotations

import pytest

ME = "/api/v1/me"
TOKEN = "/api/v1/auth/token"
PASSWORD = "/api/v1/me/password"


def test_me_shows_the_profile_fields_the_pwa_needs(client, client_user):
    response = client.get(ME, headers=client_user.headers)
    assert response.status_code == 200
    assert set(response.json) == {
        "id",
        "email",
        "display_name",
        "role",
        "timezone",
        "day_starts_at",
    }
    assert response.json["id"] == client_user.id
    assert response.headers["Cache-Control"] == "no-store"


def test_patch_changes_display_name_timezone_and_day_start(client, client_user):
    changes = {"display_name": "Sam", "timezone": "Asia/Kolkata", "day_starts_at": "04:30"}
    response = client.patch(ME, json=changes, headers=client_user.headers)
    assert response.status_code == 200
    assert {k: response.json[k] for k in changes} == changes
    assert client.get(ME, headers=client_user.headers).json["timezone"] == "Asia/Kolkata"


def test_display_name_can_be_cleared(client, client_user):
    response = client.patch(ME, json={"display_name": None}, headers=client_user.headers)
    assert response.status_code == 200
    assert response.json["display_name"] is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timezone": "Mars/Base"}, "timezone"),
        ({"day_starts_at": "25:00"}, "day_starts_at"),
        ({"day_starts_at": "3:00"}, "day_starts_at"),
        ({"day_starts_at": "03:00:00"}, "day_starts_at"),
        ({"day_starts_at": 300}, "day_starts_at"),
        ({"email": "new@example.org"}, "email"),
        ({"role": "admin"}, "role"),
        ({"display_name": ""}, "display_name"),
    ],
)
def test_bad_profile_changes_are_422_and_change_nothing(client, client_user, change, field):
    before = client.get(ME, headers=client_user.headers).json
    response = client.patch(ME, json=change, headers=client_user.headers)
    assert response.status_code == 422
    assert field in response.json["errors"]["json"]
    assert client.get(ME, headers=client_user.headers).json == before


def test_day_start_message_shows_the_expected_form(client, client_user):
    response = client.patch(ME, json={"day_starts_at": "25:00"}, headers=client_user.headers)
    assert "HH:MM" in response.json["message"]


def test_password_change_needs_the_current_password(client, client_user):
    missing = client.post(
        PASSWORD, json={"new_password": "a brand new secret"}, headers=client_user.headers
    )
    assert missing.status_code == 422
    assert "current_password" in missing.json["errors"]["json"]
    wrong = {"new_password": "a brand new secret", "current_password": "not it at all"}
    response = client.post(PASSWORD, json=wrong, headers=client_user.headers)
    assert response.status_code == 422
    assert response.json["errors"]["json"]["current_password"] == [
        "The current password is not right."
    ]


def test_new_password_must_be_long_enough(client, client_user):
    body = {"new_password": "short", "current_password": client_user.password}
    response = client.post(PASSWORD, json=body, headers=client_user.headers)
    assert response.status_code == 422
    assert "new_password" in response.json["errors"]["json"]


def test_password_is_not_changed_through_patch(client, client_user):
    response = client.patch(
        ME, json={"password": "a brand new secret"}, headers=client_user.headers
    )
    assert response.status_code == 422
    assert "password" in response.json["errors"]["json"]


def test_changing_the_password_signs_out_other_sessions_but_not_this_one(client, client_user):
    other = client.post(
        TOKEN, json={"email": client_user.email, "password": client_user.password}
    ).json
    body = {"new_password": "a brand new secret", "current_password": client_user.password}
    response = client.post(PASSWORD, json=body, headers=client_user.headers)
    assert response.status_code == 204
    assert client.get(ME, headers=client_user.headers).status_code == 200
    other_headers = {"Authorization": f"Bearer {other['access_token']}"}
    assert client.get(ME, headers=other_headers).status_code == 401
    refresh = client.post("/api/v1/auth/refresh", json={"refresh_token": other["refresh_token"]})
    assert refresh.status_code == 401
    old = client.post(TOKEN, json={"email": client_user.email, "password": client_user.password})
    assert old.status_code == 401
    new = client.post(TOKEN, json={"email": client_user.email, "password": "a brand new secret"})
    assert new.status_code == 200


def test_patch_without_a_token_is_401(client):
    assert client.patch(ME, json={"display_name": "x"}).status_code == 401

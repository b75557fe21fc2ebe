"""The web app's refresh token: an HttpOnly, Secure, SameSite=Strict cookie limited to the
refresh operation, rotated through the cookie, with replay detection as for JSON tokens;
API clients keep getting refresh tokens in JSON."""

from __future__ import annotations

from http.cookies import SimpleCookie

from api.resources.auth import REFRESH_COOKIE, REFRESH_COOKIE_PATH

TOKEN = "/api/v1/auth/token"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/me"


def cookie_sign_in(client, person):
    return client.post(
        TOKEN, json={"email": person.email, "password": person.password, "refresh_cookie": True}
    )


def set_cookie(response) -> SimpleCookie:
    jar = SimpleCookie()
    for header in response.headers.getlist("Set-Cookie"):
        jar.load(header)
    return jar


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def refresh_with(client, value: str):
    client.set_cookie(REFRESH_COOKIE, value, path=REFRESH_COOKIE_PATH)
    return client.post(REFRESH, json={})


def test_sign_in_for_the_web_app_sets_the_cookie_and_keeps_it_out_of_the_body(client, client_user):
    response = cookie_sign_in(client, client_user)
    assert response.status_code == 200
    assert "refresh_token" not in response.json
    morsel = set_cookie(response)[REFRESH_COOKIE]
    assert morsel["httponly"] and morsel["secure"]
    assert morsel["samesite"] == "Strict"
    assert morsel["path"] == REFRESH_COOKIE_PATH
    assert int(morsel["max-age"]) == 30 * 86400
    assert len(morsel.value) >= 40
    assert client.get(ME, headers=bearer(response.json["access_token"])).status_code == 200


def test_api_clients_still_get_the_refresh_token_in_json(client, client_user):
    response = client.post(
        TOKEN, json={"email": client_user.email, "password": client_user.password}
    )
    assert response.json["refresh_token"]
    assert not response.headers.getlist("Set-Cookie")


def test_the_cookie_is_sent_only_to_the_refresh_operation(client, client_user):
    cookie_sign_in(client, client_user)
    assert client.get_cookie(REFRESH_COOKIE, path=REFRESH_COOKIE_PATH) is not None
    assert client.get_cookie(REFRESH_COOKIE, path="/api/v1/me") is None


def test_refresh_through_the_cookie_rotates_it(client, client_user):
    first = set_cookie(cookie_sign_in(client, client_user))[REFRESH_COOKIE].value
    response = refresh_with(client, first)
    assert response.status_code == 200
    assert "refresh_token" not in response.json
    second = set_cookie(response)[REFRESH_COOKIE].value
    assert second != first
    assert client.get(ME, headers=bearer(response.json["access_token"])).status_code == 200
    assert refresh_with(client, second).status_code == 200


def test_a_replayed_cookie_ends_the_sign_in_and_is_cleared(client, client_user):
    first = set_cookie(cookie_sign_in(client, client_user))[REFRESH_COOKIE].value
    rotated = refresh_with(client, first)
    second = set_cookie(rotated)[REFRESH_COOKIE].value
    replay = refresh_with(client, first)  # someone else kept the old cookie
    assert replay.status_code == 401
    cleared = set_cookie(replay)[REFRESH_COOKIE]
    assert cleared.value == "" and int(cleared["max-age"]) == 0
    # The whole family is revoked: the rightful holder's newer cookie and access token too.
    assert refresh_with(client, second).status_code == 401
    assert client.get(ME, headers=bearer(rotated.json["access_token"])).status_code == 401


def test_refresh_without_a_token_or_cookie_is_401(client):
    response = client.post(REFRESH, json={})
    assert response.status_code == 401
    assert "sign in again" in response.json["message"].lower()


def test_a_token_in_the_body_wins_and_is_answered_in_json(client, client_user):
    pair = client.post(
        TOKEN, json={"email": client_user.email, "password": client_user.password}
    ).json
    client.set_cookie(REFRESH_COOKIE, "stale-cookie", path=REFRESH_COOKIE_PATH)
    response = client.post(REFRESH, json={"refresh_token": pair["refresh_token"]})
    assert response.status_code == 200 and response.json["refresh_token"]
    assert not response.headers.getlist("Set-Cookie")


def test_logout_revokes_the_family_and_clears_the_cookie(client, client_user):
    signed_in = cookie_sign_in(client, client_user)
    cookie = set_cookie(signed_in)[REFRESH_COOKIE].value
    response = client.post(LOGOUT, headers=bearer(signed_in.json["access_token"]))
    assert response.status_code == 204
    cleared = set_cookie(response)[REFRESH_COOKIE]
    assert cleared.value == "" and cleared["path"] == REFRESH_COOKIE_PATH
    assert refresh_with(client, cookie).status_code == 401


def test_erasing_the_account_clears_the_cookie(client, client_user):
    signed_in = cookie_sign_in(client, client_user)
    response = client.delete(
        ME, json={"password": client_user.password}, headers=bearer(signed_in.json["access_token"])
    )
    assert response.status_code == 204
    assert set_cookie(response)[REFRESH_COOKIE].value == ""

"""Security notices by mail to the account's address: password changed, a sign-up attempt
with an address that has an account, account erased, a therapist link made or ended."""

from __future__ import annotations

from tests.api.mail.conftest import parts


def subjects(smtp) -> list[tuple[list[str], str]]:
    return [(m.recipients, m.message["Subject"]) for m in smtp.capture.messages]


def test_changing_the_password_in_the_app_sends_a_notice(client, client_user, smtp):
    body = {"current_password": client_user.password, "new_password": "a brand new secret"}
    response = client.post("/api/v1/me/password", json=body, headers=client_user.headers)
    assert response.status_code in (200, 204), response.json
    assert subjects(smtp) == [([client_user.email], "Your Interlude password was changed")]
    assert "a brand new secret" not in parts(smtp.capture.messages[0].message)[0]


def test_a_wrong_current_password_sends_nothing(client, client_user, smtp):
    body = {"current_password": "not the password", "new_password": "a brand new secret"}
    assert (
        client.post("/api/v1/me/password", json=body, headers=client_user.headers).status_code
        == 422
    )
    assert smtp.capture.messages == []

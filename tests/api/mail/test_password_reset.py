"""Forgotten passwords: POST /auth/password-reset answers alike for every address and mails a
single-use link to an account; the link sets a new password and ends every session."""

from __future__ import annotations

import threading
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from api.extensions import db
from api.models import PasswordReset, PendingMail
from api.models.base import utcnow
from api.services.mail import SmtpTransport
from tests.api.mail.conftest import link_in, parts
from tests.api.practices.conftest import FrozenClock
from tests.conftest import swapped_services
from tests.smtp import SmtpServer, free_port

ASK = "/api/v1/auth/password-reset"
CONFIRM = "/api/v1/auth/password-reset/confirm"
NEW = "a brand new passphrase"


def token_from(message) -> str:
    url = link_in(message)
    assert url.startswith("http://127.0.0.1:8000/#/reset?token=")
    return parse_qs(urlsplit(url.replace("/#/", "/")).query)["token"][0]


def sign_in(client, email, password):
    return client.post("/api/v1/auth/token", json={"email": email, "password": password})


def ask(client, email, **kwargs):
    return client.post(ASK, json={"email": email}, **kwargs)


def test_known_and_unknown_addresses_get_byte_identical_answers(client, client_user, smtp):
    known = ask(client, client_user.email)
    unknown = ask(client, "nobody-here@example.org")
    assert known.status_code == unknown.status_code == 202
    assert known.get_data() == unknown.get_data()
    assert "link to choose a new password" in known.json["message"]
    assert sorted(dict(known.headers)) == sorted(dict(unknown.headers))
    assert [m.recipients for m in smtp.capture.messages] == [[client_user.email]]


def test_the_mailed_link_sets_a_new_password_and_ends_every_session(client, client_user, smtp):
    before = sign_in(client, client_user.email, client_user.password).json
    assert ask(client, client_user.email.upper()).status_code == 202
    [mail] = smtp.capture.messages
    assert mail.message["Subject"] == "Choose a new password for Interlude"
    assert mail.message["To"] == client_user.email
    assert mail.message["Message-ID"] and mail.message["Date"]
    plain, html = parts(mail.message)
    token = token_from(mail.message)
    assert len(token) >= 22 and f"token={token}" in html and "30 minutes" in plain

    assert client.post(CONFIRM, json={"token": token, "password": NEW}).status_code == 204
    assert sign_in(client, client_user.email, NEW).status_code == 200
    assert sign_in(client, client_user.email, client_user.password).status_code == 401
    refused = client.post("/api/v1/auth/refresh", json={"refresh_token": before["refresh_token"]})
    assert refused.status_code == 401
    assert client.get("/api/v1/me", headers=client_user.headers).status_code == 401
    notice = smtp.capture.messages[-1].message
    assert notice["Subject"] == "Your Interlude password was changed"
    assert "signed out" in parts(notice)[0]


def test_a_link_works_once(client, client_user, smtp):
    ask(client, client_user.email)
    token = token_from(smtp.capture.messages[0].message)
    assert client.post(CONFIRM, json={"token": token, "password": NEW}).status_code == 204
    again = client.post(CONFIRM, json={"token": token, "password": "yet another passphrase"})
    assert again.status_code == 404
    assert "expired or has been used" in again.json["message"]
    assert sign_in(client, client_user.email, NEW).status_code == 200


def test_a_link_expires_after_30_minutes(app, client, client_user, smtp):
    clock = FrozenClock(utcnow())
    with swapped_services(app, clock=clock):
        ask(client, client_user.email)
        token = token_from(smtp.capture.messages[0].message)
        clock.now += timedelta(minutes=30, seconds=1)
        late = client.post(CONFIRM, json={"token": token, "password": NEW})
    assert late.status_code == 404 and "Forgot your password?" in late.json["message"]
    assert sign_in(client, client_user.email, client_user.password).status_code == 200


def test_a_newer_link_replaces_the_older_one(client, client_user, smtp):
    ask(client, client_user.email)
    ask(client, client_user.email)
    older, newer = (token_from(m.message) for m in smtp.capture.messages)
    assert client.post(CONFIRM, json={"token": older, "password": NEW}).status_code == 404
    assert client.post(CONFIRM, json={"token": newer, "password": NEW}).status_code == 204


def test_only_a_hash_of_the_token_is_stored_and_sent_mail_is_not_kept(
    app, client, client_user, smtp
):
    ask(client, client_user.email)
    token = token_from(smtp.capture.messages[0].message)
    with app.app_context():
        [stored] = db.session.scalars(select(PasswordReset))
        assert stored.token_sha256 != token and len(stored.token_sha256) == 64
        assert db.session.scalars(select(PendingMail)).all() == []


def test_an_unknown_token_is_404_with_a_plain_message(client):
    response = client.post(CONFIRM, json={"token": "made-up", "password": NEW})
    assert response.status_code == 404
    assert response.json["message"].startswith("This link to choose a new password")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"token": "", "password": NEW}, "token"),
        ({"token": "x", "password": "short"}, "password"),
        ({"token": "x"}, "password"),
        ({"token": "x", "password": NEW, "extra": 1}, "extra"),
    ],
)
def test_bad_confirmations_are_refused_with_a_message(client, body, field):
    response = client.post(CONFIRM, json=body)
    assert response.status_code == 422
    assert field in response.json["errors"]["json"]


def test_a_new_password_follows_the_sign_up_rules(client, client_user, smtp):
    ask(client, client_user.email)
    token = token_from(smtp.capture.messages[0].message)
    short = client.post(CONFIRM, json={"token": token, "password": "too short"})
    assert short.status_code == 422 and "12" in short.json["message"]
    assert client.post(CONFIRM, json={"token": token, "password": NEW}).status_code == 204


@pytest.mark.parametrize("email", ["not-an-address", "", "a@b", "x" * 400 + "@example.org"])
def test_asking_for_something_that_is_not_an_address_is_422(client, email):
    response = ask(client, email)
    assert response.status_code == 422 and "email" in response.json["errors"]["json"]


def test_asking_is_rate_limited_per_address_asked_about(client, client_user, smtp):
    answers = [ask(client, client_user.email).status_code for _ in range(6)]
    assert answers == [202] * 5 + [429]
    assert len(smtp.capture.messages) == 5
    assert ask(client, "someone-else@example.org").status_code == 202


def test_asking_is_rate_limited_per_client_address(client):
    answers = [ask(client, f"person{n}@example.org").status_code for n in range(11)]
    assert answers == [202] * 10 + [429]
    other = ask(client, "x@example.org", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 202


def test_two_uses_of_one_link_at_once_set_one_password(app, client_user, smtp):
    app.test_client().post(ASK, json={"email": client_user.email})
    token = token_from(smtp.capture.messages[0].message)
    statuses: list[int] = []
    barrier = threading.Barrier(2)

    def use(password: str) -> None:
        barrier.wait()
        body = {"token": token, "password": password}
        statuses.append(app.test_client().post(CONFIRM, json=body).status_code)

    threads = [threading.Thread(target=use, args=(p,)) for p in (NEW, "the other passphrase")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [204, 404]


def test_a_mail_server_that_is_down_does_not_fail_the_request(
    app, client, client_user, certificate
):
    server = SmtpServer(*certificate, port=free_port())
    transport = SmtpTransport(server.url, timeout=2, tls_context=server.client_tls())
    clock = FrozenClock(utcnow())
    with swapped_services(app, mail=transport, clock=clock):
        assert ask(client, client_user.email).status_code == 202
        server.start()
        try:
            clock.now += timedelta(minutes=1)
            app.test_cli_runner().invoke(args=["mail", "send-due"])
        finally:
            server.stop()
        [mail] = server.capture.messages
        token = token_from(mail.message)
        assert client.post(CONFIRM, json={"token": token, "password": NEW}).status_code == 204

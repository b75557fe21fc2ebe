"""Security notices by mail to the account's address: password changed, a sign-up attempt
with an address that has an account, account erased, a therapist link made or ended."""

from __future__ import annotations

import uuid

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


REGISTER = "/api/v1/auth/register"


def test_signing_up_with_a_taken_address_answers_alike_and_tells_the_owner(client, smtp):
    body = {"email": "robin@example.org", "password": "a long enough secret", "timezone": "UTC"}
    first = client.post(REGISTER, json=body)
    assert smtp.capture.messages == []  # a new account: no mail
    again = client.post(REGISTER, json={**body, "email": "Robin@Example.org", "password": "x" * 12})
    assert (again.status_code, again.get_data()) == (first.status_code, first.get_data())
    assert subjects(smtp) == [(["robin@example.org"], "Signing up to Interlude with your address")]
    plain, html = parts(smtp.capture.messages[0].message)
    assert "Nothing was changed" in plain and "http://127.0.0.1:8000/#/signin" in plain
    assert "x" * 12 not in plain + html


def test_erasing_an_account_drops_its_waiting_mail_and_says_goodbye(app, client, client_user, smtp):
    from api.extensions import db
    from api.models import PendingMail
    from api.services import mail_queue
    from api.services.mail_texts import TEST

    with app.app_context():  # a mail still waiting for the account (not handed to the runner)
        mail_queue.queue_mail(
            db.session, kind=TEST, to=client_user.email, user_id=uuid.UUID(client_user.id)
        )
        db.session.commit()
        mail_queue.take_noted_jobs(db.session)
    response = client.delete(
        "/api/v1/me", json={"password": client_user.password}, headers=client_user.headers
    )
    assert response.status_code == 204
    assert subjects(smtp) == [([client_user.email], "Your Interlude account was erased")]
    with app.app_context():
        assert db.session.query(PendingMail).count() == 0


def test_a_therapist_link_made_and_ended_tells_the_client(client, smtp, linked):
    assert subjects(smtp) == [([linked.client.email], "A change to who can see your practice")]
    assert "Dr. Rivera can now see" in parts(smtp.capture.messages[0].message)[0]
    therapist_id = client.get("/api/v1/me/therapists", headers=linked.client.headers).json[0]
    url = f"/api/v1/me/therapists/{therapist_id['therapist']['id']}"
    assert client.delete(url, headers=linked.client.headers).status_code == 204
    assert len(smtp.capture.messages) == 2
    assert "Dr. Rivera can no longer see" in parts(smtp.capture.messages[1].message)[0]


def test_a_therapist_who_erases_their_account_ends_the_links_and_clients_are_told(
    client, smtp, linked
):
    therapist = linked.therapist
    body = {"password": therapist.password}
    assert client.delete("/api/v1/me", json=body, headers=therapist.headers).status_code == 204
    got = subjects(smtp)
    assert ([linked.client.email], "A change to who can see your practice") in got[1:]
    assert ([therapist.email], "Your Interlude account was erased") in got


def test_repeated_sign_ups_with_a_taken_address_do_not_flood_its_inbox(client, client_user, smtp):
    body = {"email": client_user.email, "password": "a long enough secret", "timezone": "UTC"}
    answers = {client.post(REGISTER, json=body).get_data() for _ in range(5)}
    assert len(answers) == 1  # alike every time
    assert len(smtp.capture.messages) == 3  # INTERLUDE_SIGNUP_NOTICE_LIMIT: 3 a day

"""POST /invitations with `email`: the client gets a warm, plain mail from the therapist's name
with the code and a link to the app's accept screen; the therapist still gets the code."""

from __future__ import annotations

import re
from urllib.parse import quote

from tests.api.mail.conftest import link_in, parts

URL = "/api/v1/invitations"


def test_an_invitation_by_mail_carries_the_code_and_a_link_that_fills_it_in(
    client, therapist, client_user, smtp
):
    response = client.post(URL, json={"email": "Sam@Example.org"}, headers=therapist.headers)
    assert response.status_code == 201
    code = response.json["code"]
    [mail] = smtp.capture.messages
    message = mail.message
    assert mail.recipients == ["Sam@Example.org"]
    assert message["From"] == '"Dr. Rivera via Interlude" <noreply@localhost>'
    assert message["Subject"] == "An invitation from Dr. Rivera"
    plain, html = parts(message)
    assert code in plain and code in html
    assert link_in(message) == f"http://127.0.0.1:8000/#/therapists?code={quote(code)}"
    # Nothing about health or therapy beyond the name (the link's path names the app screen).
    words = re.sub(r"https?://\S+", "", plain.replace("Dr. Rivera", ""))
    for word in ("therap", "health", "mental", "treatment", "diagnos", "session"):
        assert word not in message["Subject"].lower()
        assert not re.search(word, words, re.I), word
    # The link's code works: the client accepts it.
    accepted = client.post(
        f"{URL}/{code}/accept",
        json={"share_mood": True, "share_notes": False},
        headers=client_user.headers,
    )
    assert accepted.status_code == 201


def test_without_an_email_nothing_is_sent(client, therapist, smtp):
    assert client.post(URL, headers=therapist.headers).status_code == 201
    assert client.post(URL, json={}, headers=therapist.headers).status_code == 201
    assert smtp.capture.messages == []


def test_an_address_that_is_not_one_is_refused_before_a_code_is_made(client, therapist, smtp):
    response = client.post(URL, json={"email": "sam at example"}, headers=therapist.headers)
    assert response.status_code == 422
    assert "email" in response.json["errors"]["json"]
    assert smtp.capture.messages == []


def test_a_therapist_who_erases_their_account_drops_the_invitation_waiting_to_go(
    app, client, therapist, outbox
):
    from api.extensions import db
    from api.models import PendingMail
    from tests.conftest import swapped_services

    class Held:  # a runner that runs nothing: the mail stays waiting
        def submit(self, job_id):
            pass

        def submit_later(self, job_id, delay):
            pass

        def shutdown(self, *, wait=True):
            pass

    with swapped_services(app, jobs=Held()):
        client.post(URL, json={"email": "sam@example.org"}, headers=therapist.headers)
        with app.app_context():
            assert db.session.query(PendingMail).count() == 1
        body = {"password": therapist.password}
        assert client.delete("/api/v1/me", json=body, headers=therapist.headers).status_code == 204
        with app.app_context():
            kinds = [m.kind for m in db.session.query(PendingMail)]
    assert kinds == ["account_erased"]


def test_invitations_by_mail_are_rate_limited_per_therapist(
    app, client, therapist, make_user, smtp
):
    app.config["INVITE_MAIL_RATE_LIMIT"] = "2/hour"
    try:
        answers = [
            client.post(URL, json={"email": f"c{n}@example.org"}, headers=therapist.headers)
            for n in range(3)
        ]
        other = make_user("therapist")
        elsewhere = client.post(URL, json={"email": "d@example.org"}, headers=other.headers)
        without_mail = client.post(URL, headers=therapist.headers)
    finally:
        app.config["INVITE_MAIL_RATE_LIMIT"] = "30/hour;100/day"
    assert [a.status_code for a in answers] == [201, 201, 429]
    assert answers[2].headers["Retry-After"]
    assert elsewhere.status_code == 201 and without_mail.status_code == 201
    assert len(smtp.capture.messages) == 3

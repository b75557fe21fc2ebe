"""Linking with consent: invitations, what is shared, revoking."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from api.extensions import db
from api.models import Invitation, Role
from api.models.base import utcnow


def accept(client, person, code, **sharing):
    body = {"share_mood": True, "share_notes": False, **sharing}
    return client.post(f"/api/v1/invitations/{code}/accept", json=body, headers=person.headers)


def test_an_invitation_is_an_unguessable_code_that_expires_in_a_week(client, therapist):
    response = client.post("/api/v1/invitations", headers=therapist.headers)
    assert response.status_code == 201
    assert len(response.json["code"]) >= 22  # 128 random bits
    other = client.post("/api/v1/invitations", headers=therapist.headers).json
    assert other["code"] != response.json["code"]
    assert "expires_at" in response.json


def test_only_the_code_hash_is_stored(client, app, therapist):
    code = client.post("/api/v1/invitations", headers=therapist.headers).json["code"]
    with app.app_context():
        stored = db.session.scalar(select(Invitation))
        assert code not in stored.code_sha256


def test_accepting_links_the_client_with_their_choices(client, client_user, therapist, invite):
    response = accept(client, client_user, invite(), share_mood=True, share_notes=True)
    assert response.status_code == 201
    assert response.json["therapist"] == {"id": therapist.id, "display_name": "Dr. Rivera"}
    assert response.json["share_mood"] is True and response.json["share_notes"] is True
    links = client.get("/api/v1/me/therapists", headers=client_user.headers).json
    assert [item["therapist"]["id"] for item in links] == [therapist.id]


def test_unknown_used_and_expired_codes_all_answer_the_same_404(
    client, app, client_user, make_user, invite
):
    used = invite()
    assert accept(client, client_user, used).status_code == 201
    expired = invite()
    with app.app_context():
        db.session.execute(
            update(Invitation)
            .where(Invitation.used_at.is_(None))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    someone = make_user(Role.CLIENT)
    answers = [accept(client, someone, code) for code in ("no-such-code", used, expired)]
    assert {a.status_code for a in answers} == {404}
    assert len({a.get_data() for a in answers}) == 1


def test_a_therapist_cannot_accept_an_invitation(client, therapist, invite):
    response = accept(client, therapist, invite())
    assert response.status_code == 403


def test_accept_attempts_are_rate_limited(client, client_user):
    statuses = [accept(client, client_user, f"guess-{n}").status_code for n in range(11)]
    assert statuses[:10] == [404] * 10
    assert statuses[10] == 429


def test_accepting_a_second_code_from_the_same_therapist_is_409(client, client_user, invite):
    assert accept(client, client_user, invite()).status_code == 201
    again = accept(client, client_user, invite())
    assert again.status_code == 409


@pytest.mark.parametrize(
    "body",
    [{"share_mood": True}, {"share_mood": "yes", "share_notes": False}, {"share_mood": True,
     "share_notes": False, "extra": 1}],
)  # fmt: skip
def test_bad_accept_bodies_are_422(client, client_user, invite, body):
    response = client.post(
        f"/api/v1/invitations/{invite()}/accept", json=body, headers=client_user.headers
    )
    assert response.status_code == 422


def test_the_client_changes_what_is_shared(client, linked):
    url = f"/api/v1/me/therapists/{linked.therapist.id}"
    response = client.patch(url, json={"share_notes": True}, headers=linked.client.headers)
    assert response.status_code == 200
    assert response.json["share_notes"] is True
    assert response.json["share_mood"] is True


def test_revoking_ends_access_at_once(client, linked):
    url = f"/api/v1/me/therapists/{linked.therapist.id}"
    assert client.delete(url, headers=linked.client.headers).status_code == 204
    assert client.get("/api/v1/me/therapists", headers=linked.client.headers).json == []
    assert client.get("/api/v1/clients", headers=linked.therapist.headers).json == []
    for path in ("", "/practices", "/adherence", "/prescriptions"):
        response = client.get(
            f"/api/v1/clients/{linked.client.id}{path}", headers=linked.therapist.headers
        )
        assert response.status_code == 404, path
    assert client.delete(url, headers=linked.client.headers).status_code == 404


def test_a_new_invitation_after_revoking_links_again(client, linked, link):
    client.delete(f"/api/v1/me/therapists/{linked.therapist.id}", headers=linked.client.headers)
    link(linked.client, share_mood=False)
    body = client.get(f"/api/v1/clients/{linked.client.id}", headers=linked.therapist.headers)
    assert body.status_code == 200
    assert body.json["share_mood"] is False


def test_an_unknown_therapist_is_404_for_the_client(client, client_user, make_user):
    stranger = make_user(Role.THERAPIST)
    url = f"/api/v1/me/therapists/{stranger.id}"
    assert (
        client.patch(url, json={"share_mood": False}, headers=client_user.headers).status_code
        == 404
    )
    assert client.delete(url, headers=client_user.headers).status_code == 404

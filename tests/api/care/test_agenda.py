"""The client's agenda: things to bring to the next session. The client owns every item;
a linked therapist reads only the shared ones, and each read is in the client's access log."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
import requests

from api.models import Role
from tests.api.care.test_therapist_view import record

AGENDA = "/api/v1/me/agenda"


def add(client, person, text="The dream about the lake", shared=True, **more):
    response = client.post(
        AGENDA, json={"text": text, "shared": shared, **more}, headers=person.headers
    )
    assert response.status_code == 201, response.json
    return response.json


def therapist_agenda(client, pair):
    response = client.get(
        f"/api/v1/clients/{pair.client.id}/agenda", headers=pair.therapist.headers
    )
    assert response.status_code == 200, response.json
    return response.json


def test_an_item_is_added_and_listed_for_its_client(client, client_user):
    item = add(client, client_user, "Sleep has been better", shared=False)
    assert item["text"] == "Sleep has been better"
    assert item["shared"] is False and item["done_at"] is None
    listed = client.get(AGENDA, headers=client_user.headers).json
    assert [i["id"] for i in listed] == [item["id"]]


def test_the_therapist_reads_only_shared_items(client, linked):
    add(client, linked.client, "Bring up the work trip", shared=True)
    add(client, linked.client, "Something only for me", shared=False)
    seen = therapist_agenda(client, linked)
    assert [i["text"] for i in seen] == ["Bring up the work trip"]
    assert set(seen[0]) == {"id", "text", "created_at", "done_at"}


def test_unsharing_an_item_hides_it_from_the_therapist_at_once(client, linked):
    item = add(client, linked.client, "Talk about my sister")
    response = client.patch(
        f"{AGENDA}/{item['id']}", json={"shared": False}, headers=linked.client.headers
    )
    assert response.status_code == 200 and response.json["shared"] is False
    assert therapist_agenda(client, linked) == []


def test_marking_done_keeps_the_first_moment_and_opening_again_clears_it(
    client, client_user, clock
):
    item = add(client, client_user)
    path = f"{AGENDA}/{item['id']}"
    done = client.patch(path, json={"done": True}, headers=client_user.headers).json
    assert done["done_at"].startswith("2026-11-18T12:00:00")
    clock.now += timedelta(minutes=5)
    again = client.patch(path, json={"done": True}, headers=client_user.headers).json
    assert again["done_at"] == done["done_at"]
    reopened = client.patch(path, json={"done": False}, headers=client_user.headers).json
    assert reopened["done_at"] is None


def test_open_items_come_before_done_ones(client, client_user):
    first = add(client, client_user, "First")
    second = add(client, client_user, "Second")
    client.patch(f"{AGENDA}/{second['id']}", json={"done": True}, headers=client_user.headers)
    listed = client.get(AGENDA, headers=client_user.headers).json
    assert [i["id"] for i in listed] == [first["id"], second["id"]]


def test_the_text_can_be_changed(client, client_user):
    item = add(client, client_user)
    response = client.patch(
        f"{AGENDA}/{item['id']}", json={"text": "Changed my mind"}, headers=client_user.headers
    )
    assert response.status_code == 200 and response.json["text"] == "Changed my mind"


def test_a_deleted_item_is_gone(client, linked):
    item = add(client, linked.client)
    response = client.delete(f"{AGENDA}/{item['id']}", headers=linked.client.headers)
    assert response.status_code == 204
    assert client.get(AGENDA, headers=linked.client.headers).json == []
    assert therapist_agenda(client, linked) == []
    again = client.delete(f"{AGENDA}/{item['id']}", headers=linked.client.headers)
    assert again.status_code == 404


def test_an_item_may_name_one_of_the_clients_own_practices(client, client_user, exercises):
    practice = record(client, client_user)
    item = add(client, client_user, practice_id=practice["id"])
    assert item["practice_id"] == practice["id"]


def test_another_persons_practice_cannot_be_named(client, client_user, make_user, exercises):
    someone = make_user(Role.CLIENT)
    theirs = record(client, someone)
    response = client.post(
        AGENDA,
        json={"text": "x", "shared": True, "practice_id": theirs["id"]},
        headers=client_user.headers,
    )
    assert response.status_code == 404
    assert "practice_id" in response.json["message"]


def test_another_clients_item_answers_404(client, client_user, make_user):
    item = add(client, client_user)
    someone = make_user(Role.CLIENT)
    for response in (
        client.patch(f"{AGENDA}/{item['id']}", json={"done": True}, headers=someone.headers),
        client.delete(f"{AGENDA}/{item['id']}", headers=someone.headers),
    ):
        assert response.status_code == 404
    assert client.get(AGENDA, headers=client_user.headers).json[0]["done_at"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "", "shared": True}, "text"),
        ({"text": "   \n ", "shared": True}, "text"),
        ({"text": "x" * 1001, "shared": True}, "text"),
        ({"text": "a\x00b", "shared": True}, "text"),
        ({"text": "fine", "shared": "yes"}, "shared"),
        ({"text": "fine"}, "shared"),
        ({"shared": True}, "text"),
        ({"text": "fine", "shared": True, "practice_id": "not-a-uuid"}, "practice_id"),
    ],
)
def test_bad_items_are_refused_with_a_message_naming_the_field(client, client_user, body, field):
    response = client.post(AGENDA, json=body, headers=client_user.headers)
    assert response.status_code == 422, response.json
    assert field in str(response.json["errors"])


def test_a_thousand_characters_is_accepted(client, client_user):
    assert add(client, client_user, "x" * 1000)["text"] == "x" * 1000


def test_each_therapist_read_is_in_the_clients_access_log(client, linked):
    therapist_agenda(client, linked)
    log = client.get("/api/v1/me/access-log", headers=linked.client.headers).json
    assert log[0]["what"] == "agenda"


def test_an_unlinked_therapist_gets_404(client, client_user, make_user):
    add(client, client_user)
    stranger = make_user(Role.THERAPIST)
    response = client.get(f"/api/v1/clients/{client_user.id}/agenda", headers=stranger.headers)
    assert response.status_code == 404


def test_an_unknown_item_answers_404(client, client_user):
    response = client.patch(
        f"{AGENDA}/{uuid.uuid4()}", json={"done": True}, headers=client_user.headers
    )
    assert response.status_code == 404


def test_items_added_at_once_are_all_kept(client_user, live_server):
    """Eight items sent at once to a real server (gunicorn): none is lost, none fails."""

    statuses: list[int] = []

    def post(n: int) -> None:
        response = requests.post(
            f"{live_server.url}{AGENDA}",
            json={"text": f"item {n}", "shared": n % 2 == 0},
            headers=client_user.headers,
            timeout=30,
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=post, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * 8
    listed = requests.get(
        f"{live_server.url}{AGENDA}", headers=client_user.headers, timeout=30
    ).json()
    assert sorted(i["text"] for i in listed) == sorted(f"item {n}" for n in range(8))

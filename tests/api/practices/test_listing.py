"""GET /me/practices (newest first, filters, cursor) and DELETE /me/practices/{id}."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.models import Role
from tests.api.practices.conftest import NOW, new_id, put, stored_rows, sync

LIST = "/api/v1/me/practices"


def record_hours_ago(client, person, body, hours: list[float], **changes) -> list[str]:
    ids = [new_id() for _ in hours]
    items = [
        {**body(started_at=(NOW - timedelta(hours=h)).isoformat(), **changes), "id": pid}
        for pid, h in zip(ids, hours, strict=True)
    ]
    assert {r["status"] for r in sync(client, person, items).json["results"]} == {"created"}
    return ids


def listed(client, person, **query) -> dict:
    response = client.get(LIST, query_string=query, headers=person.headers)
    assert response.status_code == 200, response.json
    return response.json


def all_pages(client, person, **query) -> list[str]:
    ids, cursor = [], None
    while True:
        page = listed(client, person, **query, **({"cursor": cursor} if cursor else {}))
        ids += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return ids


def test_newest_first_with_ties_broken_by_id(client, client_user, body):
    older = record_hours_ago(client, client_user, body, [5])
    tied = record_hours_ago(client, client_user, body, [1, 1, 1])
    newest = record_hours_ago(client, client_user, body, [0.5])
    page = listed(client, client_user)
    assert [item["id"] for item in page["items"]] == newest + sorted(tied, reverse=True) + older
    assert page["next_cursor"] is None


def test_the_cursor_walks_every_practice_once(client, client_user, body):
    ids = record_hours_ago(client, client_user, body, [float(h) for h in range(1, 12)])
    ids += record_hours_ago(client, client_user, body, [3, 3, 3])  # ties across page edges
    walked = all_pages(client, client_user, limit=2)
    assert sorted(walked) == sorted(ids)
    assert len(walked) == len(set(walked)) == 14


def test_pages_stay_correct_while_practices_arrive(client, client_user, body):
    record_hours_ago(client, client_user, body, [1, 2, 3, 4])
    first = listed(client, client_user, limit=2)
    shown = [item["id"] for item in first["items"]]
    newer = record_hours_ago(client, client_user, body, [0.1])  # synced meanwhile, newer
    late = record_hours_ago(client, client_user, body, [2.5])  # an offline practice, older
    second = listed(client, client_user, limit=2, cursor=first["next_cursor"])
    rest = [item["id"] for item in second["items"]]
    third = listed(client, client_user, limit=2, cursor=second["next_cursor"])
    rest += [item["id"] for item in third["items"]]
    assert not set(shown) & set(rest)
    assert newer[0] not in rest  # it sorts before the cursor: the next first page shows it
    assert late[0] in rest
    assert len(shown) + len(rest) == 5


def test_limit_defaults_to_50_and_is_at_most_100(client, client_user, body):
    record_hours_ago(client, client_user, body, [h / 10 for h in range(1, 56)])
    page = listed(client, client_user)
    assert len(page["items"]) == 50 and page["next_cursor"]
    for limit in (0, 101):
        response = client.get(LIST, query_string={"limit": limit}, headers=client_user.headers)
        assert response.status_code == 422


@pytest.mark.parametrize("cursor", ["garbage", "W10", "eyJ4IjogMX0", "WyJub3QiLCAiaWRzIl0"])
def test_a_cursor_we_did_not_give_out_is_422(client, client_user, cursor):
    response = client.get(LIST, query_string={"cursor": cursor}, headers=client_user.headers)
    assert response.status_code == 422
    assert "cursor" in response.json["message"]


def test_filter_by_exercise_slug(client, client_user, body, make_exercise):
    make_exercise("body-scan", kind="body-scan", lengths=[10])
    breathing = record_hours_ago(client, client_user, body, [1, 2])
    scans = record_hours_ago(
        client, client_user, body, [3], exercise="body-scan", length_minutes=10
    )
    assert all_pages(client, client_user, exercise="body-scan") == scans
    assert all_pages(client, client_user, exercise="box-breathing") == breathing
    assert all_pages(client, client_user, exercise="unknown") == []


def test_filter_by_the_clients_days(app, client, make_user, body, clock):
    person = make_user(Role.CLIENT, timezone="America/New_York")
    clock.now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)

    def at(local: str) -> dict:
        return {**body(started_at=local), "id": new_id()}

    items = [
        at("2026-11-18T20:00:00-05:00"),  # day 18
        at("2026-11-19T02:30:00-05:00"),  # before 03:00: still day 18
        at("2026-11-19T03:00:00-05:00"),  # day 19
        at("2026-11-20T09:00:00-05:00"),  # day 20
    ]
    sync(client, person, items)
    ids = [item["id"] for item in items]
    assert all_pages(client, person, **{"from": "2026-11-18", "to": "2026-11-18"}) == [
        ids[1],
        ids[0],
    ]
    assert all_pages(client, person, **{"from": "2026-11-19"}) == [ids[3], ids[2]]
    assert all_pages(client, person, to="2026-11-19") == [ids[2], ids[1], ids[0]]
    response = client.get(
        LIST, query_string={"from": "2026-11-20", "to": "2026-11-19"}, headers=person.headers
    )
    assert response.status_code == 422
    bad = client.get(LIST, query_string={"from": "20/11/2026"}, headers=person.headers)
    assert bad.status_code == 422


def test_a_person_sees_only_their_own_practices(client, client_user, make_user, body):
    other = make_user(Role.CLIENT)
    record_hours_ago(client, other, body, [1, 2])
    mine = record_hours_ago(client, client_user, body, [1])
    assert all_pages(client, client_user) == mine


def test_delete_answers_204_and_the_practice_is_gone(app, client, client_user, body):
    practice_id = record_hours_ago(client, client_user, body, [1])[0]
    response = client.delete(f"{LIST}/{practice_id}", headers=client_user.headers)
    assert response.status_code == 204
    assert listed(client, client_user)["items"] == []
    assert client.get(f"{LIST}/{practice_id}", headers=client_user.headers).status_code == 404
    stats = client.get("/api/v1/me/stats", headers=client_user.headers).json
    assert stats["total_minutes"] == 0


def test_delete_erases_the_mood_and_note(app, client, client_user, body):
    practice_id = record_hours_ago(client, client_user, body, [1])[0]
    client.delete(f"{LIST}/{practice_id}", headers=client_user.headers)
    (tombstone,) = stored_rows(app)
    assert (tombstone.note, tombstone.mood_before, tombstone.mood_after) == (None, None, None)
    assert tombstone.deleted_at is not None


def test_deleting_an_unknown_practice_is_404(client, client_user):
    assert client.delete(f"{LIST}/{new_id()}", headers=client_user.headers).status_code == 404
    assert client.delete(f"{LIST}/nonsense", headers=client_user.headers).status_code == 404


def test_deleting_twice_answers_204_both_times(client, client_user, body):
    practice_id = record_hours_ago(client, client_user, body, [1])[0]
    for _ in range(2):
        response = client.delete(f"{LIST}/{practice_id}", headers=client_user.headers)
        assert response.status_code == 204


def test_a_put_replaying_a_deleted_practice_is_410_and_does_not_bring_it_back(
    app, client, client_user, body
):
    practice_id, practice = new_id(), body()
    put(client, client_user, practice_id, practice)
    client.delete(f"{LIST}/{practice_id}", headers=client_user.headers)
    for replay in (practice, body(note="edited")):
        response = put(client, client_user, practice_id, replay)
        assert response.status_code == 410
        assert "deleted" in response.json["message"]
    assert listed(client, client_user)["items"] == []
    assert len(stored_rows(app)) == 1

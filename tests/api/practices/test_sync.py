"""POST /me/practices/sync: a queue of practices, each answered on its own, exactly once
even when two requests replay the same queue at the same moment."""

from __future__ import annotations

import threading
from datetime import timedelta

from api.models import Role
from tests.api.practices.conftest import new_id, put, stored_rows, sync


def test_mixed_batch_is_answered_item_by_item_in_order(app, client, client_user, body):
    known, changed = new_id(), new_id()
    put(client, client_user, known, body(mood_after=7))
    put(client, client_user, changed, body(mood_after=7))
    fresh, broken = new_id(), new_id()
    items = [
        {**body(), "id": fresh},
        {**body(mood_after=7), "id": known},
        {**body(mood_after=9), "id": changed},
        {**body(mood_before=11), "id": broken},
        {**body(), "id": "not-a-uuid"},
        {**body()},
        "a string",
    ]
    response = sync(client, client_user, items)
    assert response.status_code == 200
    results = response.json["results"]
    assert [(r["id"], r["status"]) for r in results] == [
        (fresh, "created"),
        (known, "duplicate"),
        (changed, "conflict"),
        (broken, "invalid"),
        ("not-a-uuid", "invalid"),
        (None, "invalid"),
        (None, "invalid"),
    ]
    assert "errors" not in results[0] and "errors" not in results[1]
    assert set(results[2]["errors"]) == {"id"}
    assert set(results[3]["errors"]) == {"mood_before"}
    assert set(results[4]["errors"]) == {"id"}
    assert set(results[5]["errors"]) == {"id"}
    assert {str(row.id) for row in stored_rows(app)} == {known, changed, fresh}


def test_rule_breaking_items_are_invalid_without_sinking_the_rest(client, client_user, body, clock):
    good = new_id()
    items = [
        {**body(exercise="nope"), "id": new_id()},
        {**body(started_at=(clock.now + timedelta(hours=1)).isoformat()), "id": new_id()},
        {**body(length_minutes=4), "id": new_id()},
        {**body(prescription_id=new_id()), "id": new_id()},
        {**body(), "id": good},
    ]
    results = sync(client, client_user, items).json["results"]
    assert [r["status"] for r in results] == ["invalid"] * 4 + ["created"]
    assert [set(r.get("errors", {})) for r in results[:4]] == [
        {"exercise"},
        {"started_at"},
        {"length_minutes"},
        {"prescription_id"},
    ]


def test_the_same_id_twice_in_one_batch_is_stored_once(app, client, client_user, body):
    twice, clash = new_id(), new_id()
    items = [
        {**body(), "id": twice},
        {**body(), "id": twice},
        {**body(note="a"), "id": clash},
        {**body(note="b"), "id": clash},
    ]
    statuses = [r["status"] for r in sync(client, client_user, items).json["results"]]
    assert statuses == ["created", "duplicate", "created", "conflict"]
    assert len(stored_rows(app)) == 2


def test_replaying_a_whole_batch_changes_nothing(app, client, client_user, body):
    items = [{**body(duration_seconds=60 + n), "id": new_id()} for n in range(20)]
    first = sync(client, client_user, items).json["results"]
    second = sync(client, client_user, items).json["results"]
    assert {r["status"] for r in first} == {"created"}
    assert {r["status"] for r in second} == {"duplicate"}
    assert len(stored_rows(app)) == 20


def test_an_empty_batch_is_fine(client, client_user):
    response = sync(client, client_user, [])
    assert (response.status_code, response.json) == (200, {"results": []})


def test_500_items_are_accepted(app, client, client_user, body):
    items = [{**body(), "id": new_id()} for _ in range(500)]
    response = sync(client, client_user, items)
    assert response.status_code == 200
    assert len(response.json["results"]) == 500
    assert len(stored_rows(app)) == 500


def test_501_items_are_refused_with_413_and_store_nothing(app, client, client_user, body):
    items = [{**body(), "id": new_id()} for _ in range(501)]
    response = sync(client, client_user, items)
    assert response.status_code == 413
    assert "at most 500" in response.json["message"]
    assert stored_rows(app) == []


def test_the_batch_must_be_a_list_under_practices(client, client_user, body):
    response = client.post(
        "/api/v1/me/practices/sync", json={"items": [body()]}, headers=client_user.headers
    )
    assert response.status_code == 422
    assert set(response.json["errors"]["json"]) == {"items", "practices"}


def test_a_deleted_practice_replayed_in_a_batch_is_a_duplicate_and_stays_deleted(
    app, client, client_user, body
):
    practice_id, practice = new_id(), body()
    put(client, client_user, practice_id, practice)
    client.delete(f"/api/v1/me/practices/{practice_id}", headers=client_user.headers)
    results = sync(client, client_user, [{**practice, "id": practice_id}]).json["results"]
    assert results == [{"id": practice_id, "status": "duplicate"}]
    listed = client.get("/api/v1/me/practices", headers=client_user.headers).json
    assert listed["items"] == []


def test_ids_in_a_batch_belong_to_the_caller(app, client, client_user, make_user, body):
    other = make_user(Role.CLIENT)
    shared = new_id()
    put(client, other, shared, body(mood_after=1))
    results = sync(client, client_user, [{**body(mood_after=9), "id": shared}]).json["results"]
    assert results == [{"id": shared, "status": "created"}]


def test_two_devices_replaying_the_same_queue_at_once_store_each_practice_once(
    app, client_user, body
):
    """Real concurrency against the test database (SQLite or PostgreSQL): each round, four
    threads send the same 50 items at the same moment."""
    for _round in range(3):
        items = [{**body(duration_seconds=60 + n), "id": new_id()} for n in range(50)]
        start = threading.Barrier(4)
        answers: list[tuple[int, list[str]]] = []
        lock = threading.Lock()

        def replay(items=items, start=start, answers=answers, lock=lock) -> None:
            client = app.test_client()
            start.wait()
            response = sync(client, client_user, items)
            statuses = [r["status"] for r in response.json["results"]]
            with lock:
                answers.append((response.status_code, statuses))

        threads = [threading.Thread(target=replay) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert [code for code, _ in answers] == [200] * 4
        for index in range(50):
            assert sorted(statuses[index] for _, statuses in answers) == [
                "created",
                "duplicate",
                "duplicate",
                "duplicate",
            ]
    assert len(stored_rows(app)) == 150


def test_concurrent_single_puts_of_one_practice_answer_201_once(app, client_user, body):
    practice_id, practice = new_id(), body()
    start = threading.Barrier(4)
    codes: list[int] = []

    def replay() -> None:
        client = app.test_client()
        start.wait()
        codes.append(put(client, client_user, practice_id, practice).status_code)

    threads = [threading.Thread(target=replay) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(codes) == [200, 200, 200, 201]
    assert len(stored_rows(app)) == 1

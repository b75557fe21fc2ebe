"""Lists and sync cost a fixed number of queries, however many rows they show: each test
measures a request at N rows and again at 4N, and the counts must be equal (an N+1 shows as
a count that grows with the rows)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from api.models import Role

N = 3


def prescribe(client, therapist, person, exercise="box-breathing") -> str:
    response = client.post(
        f"/api/v1/clients/{person.id}/prescriptions",
        json={
            "exercise": exercise,
            "schedule": {"per_week": 3},
            "start_date": (date.today() - timedelta(days=10)).isoformat(),
        },
        headers=therapist.headers,
    )
    assert response.status_code == 201, response.json
    return response.json["id"]


def practice(prescription_id: str | None = None, **changes) -> dict:
    body = {
        "id": str(uuid.uuid4()),
        "exercise": "box-breathing",
        "length_minutes": 5,
        "started_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "duration_seconds": 300,
        "completed": True,
        "mood_before": 3,
        "mood_after": 6,
        "prescription_id": prescription_id,
    }
    return {**body, **changes}


def record(client, person, count: int, prescription_id: str | None = None) -> None:
    items = [practice(prescription_id) for _ in range(count)]
    response = client.post(
        "/api/v1/me/practices/sync", json={"practices": items}, headers=person.headers
    )
    assert response.status_code == 200, response.json
    assert {r["status"] for r in response.json["results"]} == {"created"}


def queries(count_queries, client, method: str, path: str, person, **kwargs) -> int:
    with count_queries() as counted:
        response = client.open(path, method=method, headers=person.headers, **kwargs)
    assert response.status_code in (200, 201), response.json
    print(f"{method} {path}: {len(counted)}", *counted.statements, sep="\n  ")
    return len(counted)


@pytest.fixture(autouse=True)
def _many_invitations(app, monkeypatch):
    # Every link here accepts a code from the same address; the limit is not under test.
    monkeypatch.setitem(app.config, "INVITE_RATE_LIMIT", "1000/hour")


@pytest.fixture
def grown(count_queries, client):
    """`grown(add, method, path, person)`: the queries of a request after `add(N)` rows and
    after `add(3N)` more, as a pair."""

    def measure(add, method, path, person, **kwargs) -> tuple[int, int]:
        add(N)
        small = queries(count_queries, client, method, path, person, **kwargs)
        add(3 * N)
        large = queries(count_queries, client, method, path, person, **kwargs)
        return small, large

    return measure


def test_the_client_list_does_not_grow_in_queries_with_clients(
    client, therapist, link, exercises, make_user, grown
):
    def add(count):
        for _ in range(count):
            person = make_user(Role.CLIENT)
            link(person)
            record(client, person, 2, prescribe(client, therapist, person))

    small, large = grown(add, "GET", "/api/v1/clients?page_size=100", therapist)
    assert small == large


def test_sync_does_not_grow_in_queries_with_items_naming_prescriptions(
    client, therapist, linked, exercises, count_queries
):
    person = linked.client
    prescriptions = [prescribe(client, therapist, person) for _ in range(2)]

    def sync(count):
        items = [practice(prescriptions[n % 2]) for n in range(count)]
        items.append(practice(str(uuid.uuid4())))  # not theirs: invalid, still one query
        return queries(
            count_queries,
            client,
            "POST",
            "/api/v1/me/practices/sync",
            person,
            json={"practices": items},
        )

    assert sync(N) == sync(4 * N)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/clients/{client}/practices",
        "/api/v1/clients/{client}/prescriptions",
        "/api/v1/clients/{client}/adherence?weeks=4",
        "/api/v1/clients/{client}",
        "/api/v1/clients/{client}/summary",
        "/api/v1/clients/{client}/agenda",
    ],
)
def test_a_therapists_reads_of_a_client_do_not_grow_in_queries_with_rows(
    client, therapist, linked, exercises, grown, path
):
    person = linked.client

    def add(count):
        for _ in range(count):
            record(client, person, 1, prescribe(client, therapist, person))
            added = client.post(
                "/api/v1/me/agenda",
                json={"text": "to bring", "shared": True},
                headers=person.headers,
            )
            assert added.status_code == 201

    small, large = grown(add, "GET", path.format(client=person.id), therapist)
    assert small == large


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/me/practices",
        "/api/v1/me/prescriptions",
        "/api/v1/me/plan",
        "/api/v1/me/stats",
        "/api/v1/me/agenda",
    ],
)
def test_a_clients_own_lists_do_not_grow_in_queries_with_rows(
    client, therapist, linked, exercises, grown, path
):
    person = linked.client

    def add(count):
        for _ in range(count):
            record(client, person, 1, prescribe(client, therapist, person))

    small, large = grown(add, "GET", path, person)
    assert small == large


def test_the_therapists_and_access_log_lists_do_not_grow_in_queries_with_rows(
    client, client_user, make_user, link, exercises, grown, count_queries
):
    def add_therapists(count):
        for _ in range(count):
            doctor = make_user(Role.THERAPIST)
            link(client_user, by=doctor)
            queries(count_queries, client, "GET", f"/api/v1/clients/{client_user.id}", doctor)

    small, large = grown(add_therapists, "GET", "/api/v1/me/therapists", client_user)
    assert small == large
    first = queries(count_queries, client, "GET", "/api/v1/me/access-log", client_user)
    add_therapists(3)
    assert queries(count_queries, client, "GET", "/api/v1/me/access-log", client_user) == first


def test_the_catalog_does_not_grow_in_queries_with_exercises(
    client, client_user, make_exercise, grown
):
    made = iter(range(1000))

    def add(count):
        for _ in range(count):
            make_exercise(f"exercise-{next(made)}")

    small, large = grown(add, "GET", "/api/v1/exercises?page_size=100", client_user)
    assert small == large


@pytest.mark.parametrize("who", ["client", "therapist"])
def test_the_export_does_not_grow_in_queries_with_rows(
    client, therapist, linked, exercises, grown, who
):
    person = linked.client

    def add(count):
        for _ in range(count):
            record(client, person, 1, prescribe(client, therapist, person))
            # a therapist's read: one more access log entry in the client's export
            read = client.get(f"/api/v1/clients/{person.id}", headers=therapist.headers)
            assert read.status_code == 200

    exporter = therapist if who == "therapist" else person
    small, large = grown(add, "GET", "/api/v1/me/export", exporter)
    assert small == large


def test_the_client_list_does_not_grow_in_queries_with_clients_of_every_sharing_choice(
    client, therapist, link, exercises, make_user, grown
):
    """Clients who share their mood or not, their history or not, with rated practices and
    notes: the list still costs the same statements for N clients as for 4N."""
    made = iter(range(1000))

    def add(count):
        for _ in range(count):
            n = next(made)
            person = make_user(Role.CLIENT)
            link(person, share_mood=n % 2 == 0, share_notes=n % 4 == 0, share_history=n % 3 == 0)
            prescription = prescribe(client, therapist, person)
            items = [practice(prescription, note="Calmer.", share_note=True) for _ in range(3)]
            items.append(practice(None, mood_before=None, mood_after=None))
            response = client.post(
                "/api/v1/me/practices/sync", json={"practices": items}, headers=person.headers
            )
            assert response.status_code == 200, response.json

    small, large = grown(add, "GET", "/api/v1/clients?page_size=100", therapist)
    assert small == large

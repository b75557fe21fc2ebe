"""Extreme input gets a clear 4xx, never a 500: dates at the edges of the calendar, and JSON
nested deeper than any request needs (the decoder recurses per level).

Every date the API accepts lies in 2000-01-01..2099-12-31; the property tests below generate
dates over the whole calendar and bodies nested to any depth."""

from __future__ import annotations

import json
import uuid
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.jsondepth import MAX_JSON_DEPTH, nesting_depth
from api.models import Role
from api.services import FIRST_DAY, LAST_DAY
from tests.conftest import PASSWORD

API = "/api/v1"
EDGES = ["0001-01-01", "1999-12-31", "2100-01-01", "9999-12-27", "9999-12-31"]
RANGE = "2000-01-01 to 2099-12-31"
EXTREME_INSTANTS = [
    "0001-01-01T00:00:00+01:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59-01:00",
    "9999-12-31T23:59:59Z",
    "1999-12-31T23:59:59Z",
]
FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def linked_client(client, make_user, make_exercise):
    """A client linked to a therapist who prescribed box-breathing 3 times a week."""
    make_exercise("box-breathing", kind="breathing", lengths=[3, 5, 10])
    therapist = make_user(Role.THERAPIST)
    person = make_user(Role.CLIENT)
    code = client.post(f"{API}/invitations", headers=therapist.headers).json["code"]
    accept = {"share_mood": True, "share_notes": False}
    client.post(f"{API}/invitations/{code}/accept", json=accept, headers=person.headers)
    prescription = {
        "exercise": "box-breathing",
        "schedule": {"per_week": 3},
        "start_date": "2026-11-16",
    }
    response = client.post(
        f"{API}/clients/{person.id}/prescriptions", json=prescription, headers=therapist.headers
    )
    assert response.status_code == 201, response.json
    return therapist, person, response.json["id"]


def assert_names_the_range(response, field: str, location: str = "json") -> None:
    assert response.status_code == 422, response.get_json()
    assert field in response.json["errors"][location]
    assert field in response.json["message"] and RANGE in response.json["message"]


# --- dates -------------------------------------------------------------------------------


@pytest.mark.parametrize("day", EDGES)
def test_a_plan_date_outside_the_range_is_422(client, linked_client, day):
    _, person, _ = linked_client
    response = client.get(f"{API}/me/plan?date={day}", headers=person.headers)
    assert_names_the_range(response, "date", "query")


@pytest.mark.parametrize("day", ["2000-01-03", "2099-12-28", "2099-12-31"])
def test_a_plan_date_at_the_edges_of_the_range_answers(client, linked_client, day):
    _, person, _ = linked_client
    response = client.get(f"{API}/me/plan?date={day}", headers=person.headers)
    assert response.status_code == 200, response.json


@pytest.mark.parametrize("field", ["start_date", "end_date"])
@pytest.mark.parametrize("day", EDGES)
def test_a_prescription_date_outside_the_range_is_422(client, linked_client, field, day):
    therapist, person, prescription_id = linked_client
    body = {"exercise": "box-breathing", "schedule": {"per_week": 3}, "start_date": "2026-11-16"}
    created = client.post(
        f"{API}/clients/{person.id}/prescriptions",
        json={**body, field: day},
        headers=therapist.headers,
    )
    assert_names_the_range(created, field)
    changed = client.patch(
        f"{API}/prescriptions/{prescription_id}", json={field: day}, headers=therapist.headers
    )
    assert_names_the_range(changed, field)


@pytest.mark.parametrize("field", ["from", "to"])
@pytest.mark.parametrize("day", EDGES)
def test_a_practice_list_day_outside_the_range_is_422(client, linked_client, field, day):
    therapist, person, _ = linked_client
    for path, headers in (
        (f"{API}/me/practices", person.headers),
        (f"{API}/clients/{person.id}/practices", therapist.headers),
    ):
        response = client.get(f"{path}?{field}={day}", headers=headers)
        assert_names_the_range(response, field, "query")


@pytest.mark.parametrize("started_at", EXTREME_INSTANTS)
def test_a_practice_at_the_edge_of_the_calendar_is_422(client, linked_client, started_at):
    _, person, _ = linked_client
    body = {
        "exercise": "box-breathing",
        "started_at": started_at,
        "duration_seconds": 300,
        "completed": True,
    }
    response = client.put(f"{API}/me/practices/{uuid.uuid4()}", json=body, headers=person.headers)
    assert_names_the_range(response, "started_at")
    synced = client.post(
        f"{API}/me/practices/sync",
        json={"practices": [{**body, "id": str(uuid.uuid4())}]},
        headers=person.headers,
    )
    assert synced.status_code == 200
    (result,) = synced.json["results"]
    assert result["status"] == "invalid" and "started_at" in result["errors"]


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_a_forged_cursor_at_the_edge_of_the_calendar_is_422(client, linked_client, when):
    _, person, _ = linked_client
    import base64

    token = base64.urlsafe_b64encode(json.dumps([when, str(uuid.uuid4())]).encode()).decode()
    response = client.get(f"{API}/me/practices?cursor={token}", headers=person.headers)
    assert response.status_code == 422, response.json


def test_the_spec_states_the_range_of_every_date_the_api_accepts(client):
    spec = client.get("/api/openapi.json").json
    found: list[dict] = []

    def walk(node, seen=()):
        if isinstance(node, dict):
            if "$ref" in node and node["$ref"] not in seen:
                name = node["$ref"].rsplit("/", 1)[-1]
                walk(spec["components"]["schemas"][name], (*seen, node["$ref"]))
            if node.get("format") in ("date", "date-time"):
                found.append(node)
            if "in" in node and node.get("schema", {}).get("format") in ("date", "date-time"):
                node["schema"].setdefault("description", node.get("description", ""))
            for value in node.values():
                walk(value, seen)
        elif isinstance(node, list):
            for value in node:
                walk(value, seen)

    for path in spec["paths"].values():
        for method, operation in path.items():
            if method != "parameters":
                walk(operation.get("parameters", []))
                walk(operation.get("requestBody", {}))
    assert len(found) >= 6, found  # plan date, from, to, start_date, end_date, started_at
    for node in found:
        assert node["pattern"].startswith("^20"), node
        assert RANGE in node.get("description", ""), node


@FUZZ
@given(day=st.dates())
def test_any_plan_date_is_answered_without_a_server_error(client, linked_client, day):
    _, person, _ = linked_client
    response = client.get(f"{API}/me/plan?date={day.isoformat()}", headers=person.headers)
    inside = FIRST_DAY <= day <= LAST_DAY
    assert response.status_code == (200 if inside else 422), (day, response.json)


@FUZZ
@given(start=st.dates(), end=st.one_of(st.none(), st.dates()))
def test_any_prescription_dates_are_answered_without_a_server_error(
    client, linked_client, start: date, end: date | None
):
    therapist, person, _ = linked_client
    body = {
        "exercise": "box-breathing",
        "schedule": {"per_week": 21},
        "start_date": start.isoformat(),
        "end_date": end and end.isoformat(),
    }
    response = client.post(
        f"{API}/clients/{person.id}/prescriptions", json=body, headers=therapist.headers
    )
    assert response.status_code in (201, 422), response.json
    for path in ("/me/plan", "/me/prescriptions"):
        assert client.get(f"{API}{path}", headers=person.headers).status_code == 200
    adherence = client.get(f"{API}/clients/{person.id}/adherence", headers=therapist.headers)
    assert adherence.status_code == 200


# --- deep JSON ---------------------------------------------------------------------------


def nested(depth: int, *, opener: str = "[", closer: str = "]") -> str:
    return opener * depth + closer * depth


@pytest.mark.parametrize("opener,closer", [("[", "]"), ('{"a":', "}")])
def test_json_nested_a_thousand_levels_is_400_before_it_is_decoded(client, opener, closer):
    body = nested(1000, opener=opener, closer=closer)
    response = client.post(
        f"{API}/auth/register", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.get_json()
    assert str(MAX_JSON_DEPTH) in response.json["message"]


def test_json_nested_at_the_limit_reaches_the_schema(client):
    body = json.dumps({"email": "a@example.org", "password": PASSWORD, "x": json.loads(nested(31))})
    response = client.post(
        f"{API}/auth/register", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422  # the unknown field, not the depth


def test_brackets_inside_strings_are_not_nesting(client, make_user):
    person = make_user()
    name = "[" * 60 + '\\"{' * 20
    response = client.patch(
        f"{API}/me",
        data=json.dumps({"display_name": name[:80]}),
        headers={**person.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.json


def test_deep_json_is_refused_on_every_endpoint_signed_in_or_not(client, make_user):
    person = make_user()
    body = nested(500)
    for method, path, headers in (
        ("POST", "/auth/token", {}),
        ("PATCH", "/me", person.headers),
        ("POST", "/me/practices/sync", person.headers),
        ("PUT", f"/me/practices/{uuid.uuid4()}", person.headers),
    ):
        response = client.open(
            f"{API}{path}",
            method=method,
            data=body,
            headers={**headers, "Content-Type": "application/json"},
        )
        assert response.status_code == 400, (path, response.get_json())


JSON_LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(alphabet='[]{}"\\ab,:', max_size=8)
)


@given(
    value=st.recursive(
        JSON_LEAVES,
        lambda inner: (
            st.lists(inner) | st.dictionaries(st.text(alphabet='[]{}"k', max_size=3), inner)
        ),
        max_leaves=30,
    )
)
def test_the_scan_measures_what_the_decoder_would_nest(value):
    text = json.dumps(value)

    def depth(node) -> int:
        if isinstance(node, list):
            return 1 + max((depth(item) for item in node), default=0)
        if isinstance(node, dict):
            return 1 + max((depth(item) for item in node.values()), default=0)
        return 0

    assert nesting_depth(text.encode()) == depth(value)


@FUZZ
@given(depth=st.integers(0, 3000), opener=st.sampled_from(["[", '{"k":']))
def test_any_nesting_is_answered_without_a_server_error(client, depth, opener):
    closer = "]" if opener == "[" else "}"
    response = client.post(
        f"{API}/auth/token",
        data=nested(depth, opener=opener, closer=closer),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code in ((400,) if depth > MAX_JSON_DEPTH else (400, 401, 422))

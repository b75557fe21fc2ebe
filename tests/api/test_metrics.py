"""/metrics: Prometheus text behind a bearer token (404 otherwise), with requests by route
template and status, practices by outcome, sync batch sizes, jobs and the database pool; under
gunicorn the numbers of every worker add up (multiprocess mode)."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

API = "/api/v1"
TOKEN = "scrape-me-please-0123456789"


@pytest.fixture
def metrics_token(app) -> Iterator[str]:
    app.config["METRICS_TOKEN"] = TOKEN
    yield TOKEN
    app.config["METRICS_TOKEN"] = ""


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text (0 when absent)."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split(" ")[0]))
        if all(found.get(key) == value for key, value in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def scrape(client, token: str = TOKEN) -> str:
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.mimetype == "text/plain"
    return answer.get_data(as_text=True)


def test_metrics_are_not_found_without_a_configured_token(client):
    answer = client.get("/metrics", headers={"Authorization": "Bearer anything"})

    assert answer.status_code == 404
    assert answer.get_json()["code"] == 404  # the one error shape


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Basic {TOKEN}", TOKEN], ids=str)
def test_metrics_are_not_found_without_the_right_bearer_token(client, metrics_token, header):
    headers = {"Authorization": header} if header else {}

    assert client.get("/metrics", headers=headers).status_code == 404


def test_requests_are_counted_by_route_template_and_status(client, client_user, metrics_token):
    before = scrape(client)
    route = "/api/v1/me/practices/<uuid:practice_id>"
    missing = f"{API}/me/practices/{uuid.uuid4()}"

    client.get(missing, headers=client_user.headers)
    client.get(missing, headers=client_user.headers)
    after = scrape(client)

    labels = {"method": "GET", "route": route, "status": "404"}
    assert (
        sample(after, "interlude_http_requests_total", **labels)
        - sample(before, "interlude_http_requests_total", **labels)
        == 2
    )
    assert sample(after, "interlude_http_request_duration_seconds_count", **labels) >= 2
    assert missing not in after  # paths (with their ids) never become labels


def test_practices_are_counted_by_outcome_and_batches_by_size(
    client, client_user, make_exercise, metrics_token
):
    make_exercise("box-breathing")
    started = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    body = {"exercise": "box-breathing", "started_at": started, "duration_seconds": 60}
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    items = [
        {**body, "id": first, "completed": True},
        {**body, "id": first, "completed": True},  # duplicate
        {**body, "id": second, "completed": True},
        {**body, "id": second, "completed": False},  # conflict
        {**body, "id": str(uuid.uuid4()), "completed": True, "exercise": "nope"},  # invalid
    ]
    before = scrape(client)

    answer = client.post(
        f"{API}/me/practices/sync", json={"practices": items}, headers=client_user.headers
    )
    after = scrape(client)

    assert answer.status_code == 200
    for outcome, count in {"created": 2, "duplicate": 1, "conflict": 1, "invalid": 1}.items():
        delta = sample(after, "interlude_practices_recorded_total", outcome=outcome) - sample(
            before, "interlude_practices_recorded_total", outcome=outcome
        )
        assert delta == count, outcome
    assert (
        sample(after, "interlude_sync_batch_size_count")
        - sample(before, "interlude_sync_batch_size_count")
        == 1
    )
    assert (
        sample(after, "interlude_sync_batch_size_bucket", le="5.0")
        - sample(before, "interlude_sync_batch_size_bucket", le="5.0")
        == 1
    )


def test_jobs_and_the_database_pool_are_reported(client, metrics_token):
    text = scrape(client)

    assert "# TYPE interlude_jobs gauge" in text
    assert "# TYPE interlude_db_pool_checked_out gauge" in text
    assert sample(text, "interlude_db_connections_open") >= 1


def test_under_gunicorn_the_workers_numbers_add_up(make_live_server):
    server = make_live_server(workers=2, threads=2, env={"INTERLUDE_METRICS_TOKEN": TOKEN})

    def scraped() -> float:
        request = urllib.request.Request(
            f"{server.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            text = answer.read().decode()
        return sample(
            text, "interlude_http_requests_total", route="/healthz", method="GET", status="200"
        )

    before = scraped()
    for _ in range(30):  # a new connection each, so both workers answer some
        urllib.request.urlopen(f"{server.url}/healthz", timeout=10).read()

    # Whichever worker answers the scrape, it reports every worker's requests.
    assert {scraped() - before for _ in range(6)} == {30.0}
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{server.url}/metrics", timeout=10)
    assert refused.value.code == 404

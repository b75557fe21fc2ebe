"""The OpenAPI document is true: schemathesis drives every operation with generated input,
signed in as a client, and checks every response against the spec (all default checks)."""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.pytest import from_fixture

from api.services.push import new_key_pair


@pytest.fixture(autouse=True)
def _push_keys(app, monkeypatch):
    """Web Push set up, so its operations answer as they do in production (without keys
    they answer 503 by design: tests/api/push)."""
    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", new_key_pair()[0])
    monkeypatch.setitem(app.config, "VAPID_SUBJECT", "mailto:reminders@example.org")


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


schema = from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_honours_its_documentation(case, make_user):
    person = make_user()
    body = case.body
    secret = "password" if case.operation.path == "/api/v1/me" else "current_password"
    if isinstance(body, dict) and _plausible_secret(body.get(secret)):
        # One input no schema can describe: the caller's real password.
        body[secret] = person.password
    if isinstance(body, dict) and _plausible_zone(body.get("timezone")):
        # Another: a time zone, from a list that changes with each tzdata release.
        body["timezone"] = "Europe/London"
    if isinstance(case.query, dict):
        for name, value in case.query.items():
            if value is None or value == []:
                # An empty list or null would vanish from the URL, and a request meant to be
                # invalid would arrive valid: send the parameter, empty, as a client would.
                case.query[name] = ""
    case.call_and_validate(headers={**person.headers})


def _plausible_zone(value: object) -> bool:
    # What the document allows for a zone: 1 to 64 characters, no control characters.
    return isinstance(value, str) and re.fullmatch(r"[^\x00-\x1f]{1,64}", value) is not None


def _plausible_secret(value: object) -> bool:
    return isinstance(value, str) and 1 <= len(value) <= 1024


def test_the_spec_documents_errors_for_every_operation(client):
    spec = client.get("/api/openapi.json").json
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            codes = set(operation["responses"])
            if operation.get("security") and {} not in operation["security"]:
                assert "401" in codes, f"{method.upper()} {path} does not document 401"
            if "requestBody" in operation:
                assert "422" in codes, f"{method.upper()} {path} does not document 422"

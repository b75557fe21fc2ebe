"""Health, readiness, request ids, headers, CORS and the one error shape."""

from __future__ import annotations

import json
import logging

import pytest
from flask import Flask
from sqlalchemy.exc import IntegrityError

from api import create_app
from api.config import TestConfig
from api.logs import JsonFormatter


@pytest.fixture
def fresh_app(tmp_path):
    """An app of its own, for tests that add routes or break the database."""

    def make(**overrides) -> Flask:
        config = TestConfig(instance_dir=tmp_path)
        config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'own.db'}"
        for key, value in overrides.items():
            setattr(config, key, value)
        return create_app(config)

    return make


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_checks_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"]["database"] == "ok"


def test_readyz_is_503_when_the_database_is_unreachable(fresh_app, tmp_path):
    app = fresh_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["code"] == 503
    assert "database" in response.json["message"]


def test_request_id_is_echoed_or_made(client):
    given = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["X-Request-ID"] == "abc-123"
    made = client.get("/healthz")
    assert len(made.headers["X-Request-ID"]) == 32
    unsafe = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert unsafe.headers["X-Request-ID"] != "<script>alert(1)</script>"


def test_security_headers_on_every_response(client):
    for response in (
        client.get("/healthz"),
        client.get("/api/v1/nowhere"),
        client.get("/api/v1/me"),
    ):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"


def test_personal_responses_are_not_stored_by_caches(client, client_user):
    response = client.get("/api/v1/me", headers=client_user.headers)
    assert response.headers["Cache-Control"] == "no-store"


def test_unknown_route_uses_the_error_shape(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json["code"] == 404
    assert response.json["status"] == "Not Found"
    assert response.json["message"]


def test_wrong_method_uses_the_error_shape_and_lists_allowed_methods(client):
    response = client.delete("/api/v1/auth/token")
    assert response.status_code == 405
    assert response.json["code"] == 405
    assert "POST" in response.headers["Allow"]


def test_no_cors_headers_by_default(client):
    response = client.get("/healthz", headers={"Origin": "https://app.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_allows_listed_origins_only(fresh_app):
    app = fresh_app(CORS_ORIGINS=["https://app.example"])
    client = app.test_client()
    allowed = client.options(
        "/api/v1/me",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"},
    )
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://app.example"
    other = client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_an_unexpected_error_is_a_500_in_the_error_shape_without_details(fresh_app):
    app = fresh_app()

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.json["code"] == 500
    assert "secret internals" not in response.get_data(as_text=True)


def test_an_integrity_race_becomes_409(fresh_app):
    app = fresh_app()

    @app.post("/api/v1/race")
    def race():
        raise IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed"))

    response = app.test_client().post("/api/v1/race")
    assert response.status_code == 409
    assert response.json["code"] == 409


def test_log_lines_are_json_with_the_request_id(app):
    formatter = JsonFormatter()
    with app.test_request_context("/healthz"):
        from flask import g

        g.request_id = "req-42"
        record = logging.LogRecord(
            "interlude", logging.INFO, __file__, 1, "hello %s", ("you",), None
        )
        line = json.loads(formatter.format(record))
    assert line["message"] == "hello you"
    assert line["request_id"] == "req-42"
    assert line["level"] == "info"


def test_swagger_ui_is_served_without_a_cdn(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert b"/api/docs/static/swagger-ui-bundle.js" in page.data
    assert client.get("/api/docs/static/swagger-ui-bundle.js").status_code == 200


def test_forwarded_addresses_are_ignored_without_a_proxy(client, app):
    # With no trusted proxy, X-Forwarded-For cannot be used to dodge the per-address limit.
    statuses = [
        client.post(
            "/api/v1/auth/token",
            json={"email": f"p{i}@example.org", "password": "x" * 12},
            headers={"X-Forwarded-For": f"10.0.0.{i}"},
        ).status_code
        for i in range(31)
    ]
    assert statuses[-1] == 429

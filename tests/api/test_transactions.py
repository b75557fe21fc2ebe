"""A view declares that it writes (`@writes`), whatever its HTTP verb; one that writes without
saying so is refused on every database, so a missing mark cannot hide until SQLite is busy."""

from __future__ import annotations

import flask_migrate
import pytest
from flask import Flask
from sqlalchemy import func, select

from api import create_app
from api.config import TestConfig
from api.extensions import db
from api.models import AccessLogEntry, Role, User
from api.registry import app_services
from api.services import accounts
from api.transactions import writes


@pytest.fixture
def own_app(tmp_path) -> Flask:
    config = TestConfig(instance_dir=tmp_path)
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'own.db'}"
    app = create_app(config)
    with app.app_context():
        flask_migrate.upgrade()
        user = accounts.create_user(
            db.session,
            app_services(app).passwords,
            email="someone@example.org",
            password="correct horse battery",
            role=Role.CLIENT,
            timezone="UTC",
        )
        db.session.commit()
        user_id = user.id

    def log_a_read() -> str:
        db.session.add(AccessLogEntry(client_id=user_id, therapist_name="T", what="summary"))
        db.session.commit()
        return "logged"

    app.get("/api/v1/declared", endpoint="declared")(writes(lambda: log_a_read()))
    app.get("/api/v1/undeclared", endpoint="undeclared")(lambda: log_a_read())
    app.post("/api/v1/reads-only", endpoint="reads_only")(
        lambda: {"users": db.session.scalar(select(func.count(User.id)))}
    )
    return app


def stored(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(AccessLogEntry.id))) or 0


def test_a_get_view_marked_writes_may_write(own_app):
    response = own_app.test_client().get("/api/v1/declared")
    assert response.status_code == 200
    assert stored(own_app) == 1


def test_a_view_that_writes_without_the_mark_is_refused_and_nothing_is_stored(own_app):
    response = own_app.test_client().get("/api/v1/undeclared")
    assert response.status_code == 500
    assert stored(own_app) == 0


def test_a_post_view_that_only_reads_needs_no_mark(own_app):
    response = own_app.test_client().post("/api/v1/reads-only")
    assert response.status_code == 200
    assert response.json == {"users": 1}


def test_each_request_is_judged_by_its_own_view_even_within_one_app_context(own_app):
    client = own_app.test_client()
    with own_app.app_context():  # requests then share the app context (and `g`)
        assert client.post("/api/v1/reads-only").status_code == 200
        assert client.get("/api/v1/declared").status_code == 200
        assert client.get("/api/v1/undeclared").status_code == 500
    assert stored(own_app) == 1

"""Shared fixtures: the app on a real database built by running the migrations, a client,
and factories for people. Each test commits for real; its rows are deleted afterwards, so
code that commits (or runs in another thread) is tested as it runs in production."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from api import create_app
from api.config import TestConfig
from api.extensions import db, limiter
from api.models import Role
from api.services import accounts

PASSWORD = "correct horse battery"


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    instance = tmp_path_factory.mktemp("instance")
    config = TestConfig(instance_dir=instance)
    if config.SQLALCHEMY_DATABASE_URI.startswith("postgresql"):
        _reset_postgres(config.SQLALCHEMY_DATABASE_URI)
    app = create_app(config)
    with app.app_context():
        flask_migrate.upgrade()  # the schema comes from the migrations, so they are tested
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_state(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "app" not in request.fixturenames:
        return
    app: Flask = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
        limiter.reset()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@dataclass
class Person:
    id: str
    email: str
    password: str
    role: Role
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def make_user(app: Flask) -> Callable[..., Person]:
    """Create a person with a role and a signed-in access token."""
    counter = iter(range(1, 1_000_000))

    def make(
        role: Role | str = Role.CLIENT,
        *,
        email: str | None = None,
        password: str = PASSWORD,
        timezone: str = "UTC",
        display_name: str | None = None,
    ) -> Person:
        role = Role(role)
        email = email or f"{role.value}{next(counter)}@example.org"
        with app.app_context():
            user = accounts.create_user(
                db.session,
                app.extensions["interlude.passwords"],
                email=email,
                password=password,
                role=role,
                timezone=timezone,
                display_name=display_name or f"{role.value.title()} Person",
            )
            issued = accounts.issue_tokens(db.session, user, accounts.TokenPolicy())
            db.session.commit()
            return Person(str(user.id), user.email, password, role, issued.access_token)

    return make


@pytest.fixture
def client_user(make_user: Callable[..., Person]) -> Person:
    return make_user(Role.CLIENT)


@pytest.fixture
def admin(make_user: Callable[..., Person]) -> Person:
    return make_user(Role.ADMIN)


def database_is_postgres() -> bool:
    return os.environ.get("INTERLUDE_TEST_DATABASE_URL", "").startswith("postgresql")


def project_root() -> Path:
    return Path(__file__).resolve().parent.parent

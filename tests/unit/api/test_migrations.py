"""The migrations build exactly the schema the models describe, and they run both ways."""

from __future__ import annotations

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from api import create_app
from api.config import TestConfig
from api.extensions import db


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        assert compare_metadata(context, db.metadata) == []


def test_migrations_downgrade_to_nothing_and_upgrade_again(tmp_path):
    config = TestConfig(instance_dir=tmp_path)
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    app = create_app(config)
    with app.app_context():
        flask_migrate.upgrade()
        assert "exercises" in inspect(db.engine).get_table_names()
        flask_migrate.downgrade(revision="base")
        assert inspect(db.engine).get_table_names() == ["alembic_version"]
        flask_migrate.upgrade()
        assert "users" in inspect(db.engine).get_table_names()
        db.engine.dispose()

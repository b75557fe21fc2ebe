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


def test_0006_turns_stored_bitrates_into_file_averages_and_back(tmp_path):
    config = TestConfig(instance_dir=tmp_path)
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'bitrate.db'}"
    app = create_app(config)
    now = "2026-12-01 10:00:00.000000"
    with app.app_context():
        flask_migrate.upgrade(revision="0005")
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO exercises (id, slug, created_at) VALUES (1, 'calm', ?)", (now,)
            )
            connection.exec_driver_sql(
                "INSERT INTO exercise_versions (id, exercise_id, number, status, source,"
                " source_sha256, title, kind, summary, language, lengths, created_at)"
                " VALUES (1, 1, 1, 'rendered', 's', ?, 'Calm', 'breathing', 's', 'en', '[1]', ?)",
                ("a" * 64, now),
            )
            connection.exec_driver_sql(
                "INSERT INTO variants (id, version_id, length_minutes, duration_ms, timeline,"
                " captions, content_sha256) VALUES (1, 1, 1, 60000, '{}', 'WEBVTT', ?)",
                ("b" * 64,),
            )
            connection.exec_driver_sql(
                "INSERT INTO renditions (variant_id, format, bitrate, bytes, sha256, key, mime)"
                " VALUES (1, 'aac', 64000, 225000, ?, 'k.m4a', 'audio/mp4')",
                ("c" * 64,),
            )
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            row = connection.exec_driver_sql(
                "SELECT bitrate, nominal_bitrate FROM renditions"
            ).one()
        assert tuple(row) == (30000, 64000)  # 225,000 bytes in a minute: 30 kb/s
        flask_migrate.downgrade(revision="0005")
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT bitrate FROM renditions").scalar() == 64000
        db.engine.dispose()

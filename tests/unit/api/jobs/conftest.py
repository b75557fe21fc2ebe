"""Fixtures for job tests: a small script that renders in seconds, versions of it in the
database, and a local storage folder that the app's jobs use."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from api.extensions import db
from api.services import content
from api.storage.local import LocalStorage
from tests.conftest import swapped_services

SCRIPT = textwrap.dedent(
    """\
    slug: {slug}
    title: A job test
    kind: mindfulness
    summary: Two lines, a pause and a bell.
    language: en
    lengths: [1]
    segments:
      - {{say: Welcome. Settle in for a moment., id: welcome}}
      - pause: {{min: 1s, weight: 1}}
      - bell: {{seconds: 2}}
      - {{say: That is all for now., id: goodbye}}
    """
)


@pytest.fixture(scope="session")
def tts_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One TTS cache for the session: only the first render synthesises."""
    return tmp_path_factory.mktemp("tts-cache")


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    (tmp_path / "media").mkdir()
    return LocalStorage(tmp_path / "media")


@pytest.fixture
def job_app(
    app: Flask, storage: LocalStorage, tts_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Flask]:
    """The test app with jobs reading this test's storage and the session's TTS cache."""
    monkeypatch.setitem(app.config, "TTS_CACHE_DIR", str(tts_cache))
    with swapped_services(app, storage=storage):
        yield app


@pytest.fixture
def make_version(app: Flask) -> Callable[..., int]:
    """`make_version(slug="x")` -> the id of a new draft version of the test script."""

    def make(slug: str = "job-test", *, source: str | None = None) -> int:
        source = source or SCRIPT.format(slug=slug)
        with app.app_context():
            version = content.create_version(db.session, source, author_id=None)
            db.session.commit()
            return version.id

    return make

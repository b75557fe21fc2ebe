"""Fixtures for the content tests: editors, small scripts, and a way to publish one."""

from __future__ import annotations

import textwrap

import pytest

from api.models import Role
from tests.conftest import swapped_services

TINY = textwrap.dedent(
    """\
    slug: {slug}
    title: {title}
    kind: {kind}
    summary: {summary}
    language: en
    lengths: {lengths}
    segments:
      - bell: {{seconds: 2}}
      - {{say: Welcome. Settle in for a moment., id: welcome}}
      - pause: {{min: 1s, weight: 1}}
      - {{say: That is all for now. Thank you., id: goodbye}}
    """
)


def tiny_script(
    slug: str = "tiny-pause",
    *,
    title: str = "A tiny pause",
    kind: str = "mindfulness",
    summary: str = "A very short rest.",
    lengths: str = "[1]",
) -> str:
    return TINY.format(slug=slug, title=title, kind=kind, summary=summary, lengths=lengths)


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def storage_kind(request, app):
    """Every content test runs on local storage and on S3 (a real SeaweedFS)."""
    if request.param == "local":
        yield "local"
        return
    s3 = request.getfixturevalue("s3_storage")
    with swapped_services(app, storage=s3):
        yield "s3"


@pytest.fixture
def client(app, storage_kind):
    return app.test_client()


@pytest.fixture
def local_only(storage_kind):
    if storage_kind != "local":
        pytest.skip("this behaviour is specific to local storage")


@pytest.fixture
def s3_only(storage_kind):
    if storage_kind != "s3":
        pytest.skip("this behaviour is specific to S3 storage")


@pytest.fixture
def script_text():
    """`script_text(slug=..., lengths="[1, 2]")` -> a small valid script."""
    return tiny_script


@pytest.fixture
def editor(make_user):
    return make_user(Role.EDITOR)


@pytest.fixture
def upload_script(client, editor):
    def upload(source: str) -> dict:
        response = client.post("/api/v1/scripts", json={"source": source}, headers=editor.headers)
        assert response.status_code == 201, response.json
        return response.json

    return upload


@pytest.fixture
def publish_script(client, editor, upload_script):
    """Upload, render (the test app runs jobs inline) and publish a script."""

    def publish(source: str) -> dict:
        ref = upload_script(source)
        base = f"/api/v1/exercises/{ref['slug']}/versions/{ref['version']}"
        render = client.post(f"{base}/render", headers=editor.headers)
        assert render.status_code == 202, render.json
        assert render.json["job"]["status"] == "succeeded", render.json
        published = client.post(f"{base}/publish", headers=editor.headers)
        assert published.status_code == 200, published.json
        return published.json

    return publish

"""Clients browse published exercises; drafts stay with editors."""

from __future__ import annotations

import json

import pytest

from tests.conftest import swapped_services


def test_published_exercise_is_listed_with_its_catalog_fields(client, publish_script, script_text):
    publish_script(script_text())
    response = client.get("/api/v1/exercises")
    assert response.status_code == 200
    assert response.json == [
        {
            "slug": "tiny-pause",
            "title": "A tiny pause",
            "kind": "mindfulness",
            "summary": "A very short rest.",
            "lengths": [1],
            "languages": ["en"],
        }
    ]
    assert "X-Pagination" in response.headers


def test_drafts_are_not_listed_or_shown_to_clients(client, upload_script, script_text, client_user):
    upload_script(script_text())
    assert client.get("/api/v1/exercises").json == []
    assert client.get("/api/v1/exercises/tiny-pause").status_code == 404
    assert (
        client.get("/api/v1/exercises/tiny-pause", headers=client_user.headers).status_code == 404
    )


def test_editors_see_the_latest_draft(client, upload_script, script_text, editor):
    upload_script(script_text())
    response = client.get("/api/v1/exercises/tiny-pause", headers=editor.headers)
    assert response.status_code == 200
    assert response.json["status"] == "draft"
    assert response.json["variants"] == []


def test_detail_lists_variants_with_renditions_captions_and_timeline(
    client, publish_script, script_text
):
    publish_script(script_text(lengths="[1, 2]"))
    body = client.get("/api/v1/exercises/tiny-pause").json
    assert body["version"] == 1
    assert body["status"] == "published"
    assert body["breath_pattern"] is None
    assert [v["length_minutes"] for v in body["variants"]] == [1, 2]
    one = body["variants"][0]
    assert abs(one["duration_ms"] - 60000) <= 1200  # ±2%
    (aac,) = one["renditions"]
    assert aac["format"] == "aac" and aac["bytes"] > 1000 and aac["bitrate"] > 0
    assert aac["mime_type"] == 'audio/mp4; codecs="mp4a.40.2"'  # for canPlayType
    assert aac["url"].startswith("/api/v1/exercises/tiny-pause/variants/1/audio?")
    assert client.get(one["captions_url"]).status_code == 200
    assert client.get(one["timeline_url"]).status_code == 200


def test_filters(client, publish_script, script_text):
    publish_script(script_text())
    publish_script(
        script_text(
            "long-breath",
            title="Long breath",
            kind="breathing",
            lengths="[2]",
            summary="Slow and steady.",
        )
    )

    def slugs(query: str) -> list[str]:
        response = client.get(f"/api/v1/exercises?{query}")
        assert response.status_code == 200, response.json
        return [item["slug"] for item in response.json]

    assert slugs("kind=breathing") == ["long-breath"]
    assert slugs("max_minutes=1") == ["tiny-pause"]
    assert slugs("q=STEADY") == ["long-breath"]
    assert slugs("q=100%25") == []
    assert slugs("language=en") == ["tiny-pause", "long-breath"]  # by title
    assert slugs("language=fr") == []


@pytest.mark.parametrize(
    "query", ["kind=yoga", "max_minutes=0", "max_minutes=abc", "language=english!", "q="]
)
def test_bad_filters_are_422(client, query):
    response = client.get(f"/api/v1/exercises?{query}")
    assert response.status_code == 422


def test_publishing_a_new_version_switches_the_catalog(client, publish_script, script_text):
    publish_script(script_text())
    publish_script(script_text(title="A tiny pause, revised"))
    body = client.get("/api/v1/exercises/tiny-pause").json
    assert body["version"] == 2
    assert body["title"] == "A tiny pause, revised"
    assert client.get("/api/v1/exercises").json[0]["title"] == "A tiny pause, revised"


def test_a_new_draft_does_not_change_what_clients_see(
    client, publish_script, upload_script, script_text
):
    publish_script(script_text())
    upload_script(script_text(title="Work in progress"))
    assert client.get("/api/v1/exercises/tiny-pause").json["title"] == "A tiny pause"


def test_unknown_exercise_length_or_format_is_404(client, publish_script, script_text):
    publish_script(script_text())
    assert client.get("/api/v1/exercises/nope").status_code == 404
    assert client.get("/api/v1/exercises/tiny-pause/variants/7/audio").status_code == 404
    assert client.get("/api/v1/exercises/tiny-pause/variants/7/timeline").status_code == 404
    assert (
        client.get("/api/v1/exercises/tiny-pause/variants/1/captions?version=9").status_code == 404
    )
    assert client.get("/api/v1/exercises/tiny-pause/variants/1/audio?format=mp3").status_code == 404
    assert (
        client.get("/api/v1/exercises/tiny-pause/variants/1/audio?format=flac").status_code == 422
    )


def test_timeline_and_captions_match(client, publish_script, script_text):
    publish_script(script_text())
    timeline = client.get("/api/v1/exercises/tiny-pause/variants/1/timeline").json
    assert timeline["events"][0]["at_ms"] == 0
    assert timeline["events"][-1]["until_ms"] == timeline["duration_ms"]
    says = [e for e in timeline["events"] if e["type"] == "say"]
    assert [e["text"] for e in says] == [
        "Welcome. Settle in for a moment.",
        "That is all for now. Thank you.",
    ]
    captions = client.get("/api/v1/exercises/tiny-pause/variants/1/captions")
    assert captions.mimetype == "text/vtt"
    text = captions.get_data(as_text=True)
    assert text.startswith("WEBVTT")
    assert "Welcome. Settle in for a moment." in text


def test_captions_and_timeline_are_cached_by_fingerprint(client, publish_script, script_text):
    publish_script(script_text())
    variant = client.get("/api/v1/exercises/tiny-pause").json["variants"][0]
    fingerprinted = client.get(variant["timeline_url"])
    assert fingerprinted.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    plain = client.get("/api/v1/exercises/tiny-pause/variants/1/timeline")
    assert "immutable" not in plain.headers["Cache-Control"]
    etag = plain.headers["ETag"]
    again = client.get(
        "/api/v1/exercises/tiny-pause/variants/1/timeline", headers={"If-None-Match": etag}
    )
    assert again.status_code == 304


def test_editors_preview_draft_audio_by_version(client, editor, upload_script, script_text):
    ref = upload_script(script_text())
    render = client.post(
        f"/api/v1/exercises/tiny-pause/versions/{ref['version']}/render", headers=editor.headers
    )
    assert render.json["job"]["status"] == "succeeded"
    detail = client.get("/api/v1/exercises/tiny-pause?version=1", headers=editor.headers).json
    assert detail["status"] == "rendered"
    url = detail["variants"][0]["renditions"][0]["url"]
    assert "version=1" in url
    audio = client.get(url, headers=editor.headers)
    assert audio.status_code in (200, 302)  # the file (local) or a presigned redirect (S3)
    if audio.status_code == 200:
        assert audio.headers["Cache-Control"] == "no-store"
    assert client.get(url).status_code == 404  # not for anyone else


def test_a_page_past_the_end_is_empty_and_an_absurd_page_number_is_422(
    client, publish_script, script_text
):
    publish_script(script_text())
    past = client.get("/api/v1/exercises?page=100000")
    assert past.status_code == 200
    assert past.json == []
    absurd = client.get("/api/v1/exercises?page=3730223146231030318618378240")
    assert absurd.status_code == 422
    assert "page" in absurd.json["errors"]["query"]


def test_the_default_page_holds_a_whole_small_library(client, publish_script, script_text):
    for number in range(11):  # one more than flask-smorest's default page of 10
        publish_script(script_text(f"exercise-{number}"))
    response = client.get("/api/v1/exercises")
    assert len(response.json) == 11
    assert json.loads(response.headers["X-Pagination"])["total_pages"] == 1


@pytest.fixture
def catalog_cache(app):
    from api.cache import CatalogCache

    with swapped_services(app, catalog_cache=CatalogCache(60)) as swapped:
        yield swapped.catalog_cache


def test_anonymous_catalog_reads_are_cached_until_a_publish(
    client, app, catalog_cache, publish_script, script_text
):
    publish_script(script_text())
    first = client.get("/api/v1/exercises")
    assert len(catalog_cache.entries) == 1
    from sqlalchemy import update

    from api.extensions import db
    from api.models import Exercise

    with app.app_context():  # a change that is not a publish is not seen while cached
        db.session.execute(update(Exercise).values(title="Changed behind the cache"))
        db.session.commit()
    assert client.get("/api/v1/exercises").json == first.json
    publish_script(script_text(title="Republished"))  # a publish clears the cache at once
    assert client.get("/api/v1/exercises").json[0]["title"] == "Republished"


def test_signed_in_reads_bypass_the_cache(
    client, catalog_cache, editor, publish_script, script_text
):
    publish_script(script_text())
    client.get("/api/v1/exercises/tiny-pause", headers=editor.headers)
    assert catalog_cache.entries == {}
    assert client.get("/api/v1/exercises/nothing").status_code == 404
    assert catalog_cache.entries == {}  # 404s are not kept

"""The OpenAPI document as a contract for generated clients, and the small promises around it:
stable operationIds, no host-dependent enums, Redocly's recommended rules, the API index, the
export as a download, CORS exposing what clients must read."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from datetime import UTC, datetime

import pytest

from api import create_app
from api.config import TestConfig

REDOCLY = "@redocly/cli@2.77.0"  # pinned: a new rule in a release must not fail old commits


def operations(spec: dict) -> list[tuple[str, str, dict]]:
    return [
        (method.upper(), path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method != "parameters"
    ]


@pytest.fixture(scope="module")
def spec(app) -> dict:
    return app.test_client().get("/api/openapi.json").json


def test_every_operation_has_a_unique_human_operation_id(spec):
    ids = [operation.get("operationId") for _, _, operation in operations(spec)]
    missing = [
        f"{m} {p}" for m, p, operation in operations(spec) if not operation.get("operationId")
    ]
    assert missing == []
    assert [name for name, count in Counter(ids).items() if count > 1] == []
    assert all(name[0].islower() and name.isalnum() for name in ids), ids  # camelCase


def test_every_operation_says_whether_it_needs_a_token(spec):
    assert [f"{m} {p}" for m, p, op in operations(spec) if "security" not in op] == []
    catalog = spec["paths"]["/api/v1/exercises/{slug}"]["get"]
    assert catalog["security"] == [{}, {"bearerAuth": []}]  # editors see drafts


def test_the_document_has_no_host_dependent_time_zone_enum(spec):
    schemas = spec["components"]["schemas"]
    for name in ("Register", "MePatch", "CreateUser"):
        zone = schemas[name]["properties"]["timezone"]
        assert "enum" not in zone
        assert zone["maxLength"] == 64


def test_every_429_says_retry_after_and_pagination_is_a_string_header(spec):
    components = spec["components"]
    assert "Retry-After" in components["responses"]["TOO_MANY_REQUESTS"]["headers"]
    assert components["headers"]["PAGINATION"]["schema"]["type"] == "string"
    assert {"code", "status", "message"} <= set(components["schemas"]["Error"]["required"])


def test_audio_is_binary_with_its_headers(spec):
    responses = spec["paths"]["/api/v1/exercises/{slug}/variants/{minutes}/audio"]["get"][
        "responses"
    ]
    for code in ("200", "206"):
        for media in responses[code]["content"].values():
            assert media["schema"] == {"type": "string", "format": "binary"}
        assert {"ETag", "Accept-Ranges", "Cache-Control"} <= set(responses[code]["headers"])
    assert "Content-Range" in responses["206"]["headers"]


def test_every_path_and_query_parameter_is_bounded(spec):
    loose = []
    for method, path, operation in operations(spec):
        for parameter in operation.get("parameters", []) + spec["paths"][path].get(
            "parameters", []
        ):
            if parameter.get("in") not in ("path", "query"):
                continue
            schema = parameter["schema"]
            bounded = {"maximum", "maxLength", "enum", "pattern", "format"} & set(
                schema
            ) or schema.get("type") == "boolean"
            if not bounded:
                loose.append(f"{method} {path} {parameter['name']}")
    assert loose == []


def test_nullable_references_read_as_a_type_or_null(spec):
    therapist = spec["components"]["schemas"]["Prescription"]["properties"]["therapist"]
    assert therapist == {
        "anyOf": [
            {"$ref": "#/components/schemas/Person"},
            {"type": "object", "nullable": True, "enum": [None]},
        ]
    }


def test_the_document_passes_redoclys_recommended_rules(spec, tmp_path):
    npx = shutil.which("npx")
    if npx is None:
        pytest.skip("npx (Node.js) is not installed: the Redocly lint needs it")
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(spec))
    result = subprocess.run(
        [npx, "--yes", REDOCLY, "lint", str(document), "--format=summary"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "error" not in output.lower().replace("0 errors", ""), output


def test_the_api_root_answers_an_index(client):
    response = client.get("/api/v1")
    assert response.status_code == 200
    links = response.json["links"]
    assert links == {
        "docs": "/api/docs",
        "openapi": "/api/openapi.json",
        "healthz": "/healthz",
        "readyz": "/readyz",
    }
    for url in links.values():
        assert client.get(url).status_code == 200


def test_the_export_downloads_as_a_dated_file(client, client_user):
    response = client.get("/api/v1/me/export", headers=client_user.headers)
    today = datetime.now(UTC).date().isoformat()  # the person's zone is UTC
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="interlude-export-{today}.json"'
    )


def test_cors_exposes_retry_after_to_other_origins(tmp_path):
    config = TestConfig(instance_dir=tmp_path)
    config.CORS_ORIGINS = ["https://app.example"]
    app = create_app(config)
    response = app.test_client().get("/healthz", headers={"Origin": "https://app.example"})
    exposed = response.headers["Access-Control-Expose-Headers"]
    assert "Retry-After" in exposed
    assert "X-Pagination" in exposed

"""GET /support: the crisis contacts a deployment lists, or a clearly marked placeholder;
always with the statement that nobody is watching. A broken contacts file stops the start."""

from __future__ import annotations

import json
import re

import pytest

from api import create_app
from api.config import TestConfig
from api.services.support import SupportFileError, load_support

SUPPORT = "/api/v1/support"


def test_the_default_is_a_marked_placeholder(client):
    response = client.get(SUPPORT)
    assert response.status_code == 200
    body = response.json
    assert body["placeholder"] is True
    assert "not monitored" in body["not_monitored"]
    assert body["contacts"][0]["name"] == "Emergency services"
    assert "emergency number" in body["contacts"][0]["description"]
    assert response.headers["Cache-Control"] == "public, max-age=300"


def test_no_sign_in_is_needed(client):
    assert client.get(SUPPORT, headers={"Authorization": "Bearer expired"}).status_code == 200


def test_a_deployment_lists_its_own_contacts(tmp_path):
    contacts = [
        {"name": "Samaritans", "phone": "116 123", "hours": "24/7", "url": "https://example.org/"},
        {"name": "Shout", "sms": "85258", "description": "Text, free, any time."},
    ]
    path = tmp_path / "contacts.json"
    path.write_text(json.dumps(contacts))
    app = create_app({**TestConfig(tmp_path).as_mapping(), "SUPPORT_CONTACTS": str(path)})
    body = app.test_client().get(SUPPORT).json
    assert body["placeholder"] is False
    assert body["contacts"][0] == {
        "name": "Samaritans",
        "description": "",
        "phone": "116 123",
        "sms": None,
        "url": "https://example.org/",
        "hours": "24/7",
    }
    assert body["contacts"][1]["sms"] == "85258"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("not json", "not JSON (line 1"),
        ("[]", "at least one contact"),
        ('[{"phone": "1"}]', "contact 1 has no name"),
        ('[{"name": "A"}]', "says neither how to reach it"),
        ('[{"name": "A", "phone": "1", "fax": "2"}]', "unknown field(s) fax"),
        ('[{"name": "A", "url": "javascript:alert(1)"}]', "url must start with https://"),
        ('[{"name": "A", "phone": 112}]', "phone must be a non-empty text"),
    ],
)
def test_a_broken_contacts_file_is_refused_with_a_reason(tmp_path, text, expected):
    path = tmp_path / "contacts.json"
    path.write_text(text)
    with pytest.raises(SupportFileError, match=re.escape(expected)):
        load_support(path)


def test_a_missing_file_names_itself(tmp_path):
    with pytest.raises(SupportFileError, match="cannot read the file"):
        load_support(tmp_path / "nowhere.json")

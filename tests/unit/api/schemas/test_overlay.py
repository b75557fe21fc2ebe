"""An Overlay shows its given values and the base's own for everything else."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from marshmallow import Schema, fields

from api.schemas.overlay import Overlay


class Dumped(Schema):
    name = fields.String()
    status = fields.String()
    slug = fields.String(attribute="exercise.slug")


def test_given_values_win_and_the_rest_is_the_bases():
    base = SimpleNamespace(name="base", status="stored", exercise=SimpleNamespace(slug="calm"))
    seen = Overlay(base, status="derived")
    assert Dumped().dump(seen) == {"name": "base", "status": "derived", "slug": "calm"}
    assert base.status == "stored"


def test_a_name_neither_has_is_an_attribute_error():
    with pytest.raises(AttributeError):
        _ = Overlay(SimpleNamespace()).missing

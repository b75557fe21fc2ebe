"""What makes the OpenAPI document one a generated client can trust: an error schema with its
always-present fields required, the headers that are sent (Retry-After, X-Pagination as
text), `security` said on every operation, the 422 every operation gives for an unknown query
parameter, and path parameters with the bounds they are matched with.

A nullable reference is written `anyOf: [$ref, {type: object, nullable: true, enum: [null]}]`:
generators read it as `T | null` (openapi-python-client: `None | T`; openapi-typescript:
`T | null`). apispec's own form, `anyOf: [{type: object, nullable: true}, $ref]`, reads as
`Record<string, never> | null | T`; `allOf: [$ref]` beside `nullable` needs a `type` there to
be valid 3.0, and with one openapi-python-client drops the null. The document stays 3.0: the
bundled Swagger UI (4.x) cannot show 3.1."""

from __future__ import annotations

from typing import Any

from apispec import BasePlugin
from flask import Flask
from flask_smorest import Api
from marshmallow import Schema, fields
from werkzeug.routing import BaseConverter, UUIDConverter

RETRY_AFTER = {
    "description": "seconds to wait before trying again",
    "schema": {"type": "integer", "minimum": 1},
}
PAGINATION_HEADER = {
    "description": "pagination metadata as JSON text: total, total_pages, first_page, "
    "last_page, page, previous_page, next_page",
    "schema": {"type": "string", "example": '{"total": 14, "total_pages": 1, "page": 1}'},
}
TOKEN_OPTIONAL: list[dict[str, list[str]]] = [{}, {"bearerAuth": []}]


class ErrorSchema(Schema):
    """Every error: {code, status, message, errors?}."""

    code = fields.Integer(required=True, metadata={"description": "the HTTP status code"})
    status = fields.String(required=True, metadata={"description": "its name"})
    message = fields.String(required=True, metadata={"description": "what to do about it"})
    errors = fields.Dict(metadata={"description": "details by location and field"})


class ContractPlugin(BasePlugin):
    """Runs on every operation after flask-smorest has described it."""

    def operation_helper(
        self, path: str | None = None, operations: dict | None = None, **kwargs: Any
    ) -> None:
        for method, operation in (operations or {}).items():
            if method == "parameters" or not isinstance(operation, dict):
                continue
            operation.setdefault("security", [])  # public, unless the view says otherwise
            responses = operation.setdefault("responses", {})
            if not {"422", 422} & set(responses):  # unknown query parameters are refused
                responses["422"] = "UNPROCESSABLE_ENTITY"


NULL_ONLY = {"type": "object", "nullable": True, "enum": [None]}


def nullable_reference(converter: Any, field: fields.Field, ret: dict, **kwargs: Any) -> dict:
    """An apispec attribute function, run after its own: rewrite a nullable reference."""
    options = ret.get("anyOf")
    placeholder = {"type": "object", "nullable": True}
    if field.allow_none and isinstance(options, list) and placeholder in options:
        ret["anyOf"] = [option for option in options if option != placeholder] + [NULL_ONLY]
    return {}


class NameConverter(BaseConverter):
    """Exercise slugs and segment ids in paths: lowercase letters, digits and hyphens."""

    regex = r"[a-z0-9-]{1,80}"


class CodeConverter(BaseConverter):
    """Invitation codes (URL-safe base64 text)."""

    regex = r"[A-Za-z0-9_-]{1,64}"


def _pattern_schema(converter: BaseConverter) -> dict[str, Any]:
    body, _, bounds = converter.regex.rpartition("{")
    low, high = bounds.rstrip("}").split(",")
    return {
        "type": "string",
        "pattern": f"^{body}+$",
        "minLength": int(low),
        "maxLength": int(high),
    }


def _uuid_schema(converter: BaseConverter) -> dict[str, Any]:
    return {"type": "string", "format": "uuid", "minLength": 36, "maxLength": 36}


def register_converters(app: Flask, api: Api) -> None:
    """Before the blueprints: path parameters with the bounds they are matched with."""
    app.url_map.converters["name"] = NameConverter
    app.url_map.converters["code"] = CodeConverter
    for converter in (NameConverter, CodeConverter):
        api.register_converter(converter, _pattern_schema)
    api.register_converter(UUIDConverter, _uuid_schema)

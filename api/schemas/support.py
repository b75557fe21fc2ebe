"""Schemas for the support page ("Need help now?")."""

from __future__ import annotations

from marshmallow import Schema, fields


class ContactSchema(Schema):
    name = fields.String(required=True)
    description = fields.String(required=True)
    phone = fields.String(required=True, allow_none=True, metadata={"description": "to call"})
    sms = fields.String(required=True, allow_none=True, metadata={"description": "to text"})
    url = fields.String(required=True, allow_none=True)
    hours = fields.String(required=True, allow_none=True, metadata={"example": "24/7"})


class SupportSchema(Schema):
    contacts = fields.List(fields.Nested(ContactSchema), required=True)
    placeholder = fields.Boolean(
        required=True,
        metadata={"description": "true until the deployment lists its own contacts"},
    )
    not_monitored = fields.String(
        required=True, metadata={"description": "a plain statement that nobody is watching"}
    )

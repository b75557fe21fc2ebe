"""Schemas for accounts: registration, tokens, the profile and staff accounts."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_load, validate

from api.models import Role
from api.schemas.fields import ClockTime, Text, TimeZone
from api.services.accounts import PASSWORD_MAX, PASSWORD_MIN


def password_field(**kwargs: Any) -> fields.String:
    length = validate.Length(
        min=PASSWORD_MIN,
        max=PASSWORD_MAX,
        error=f"Use a password of {PASSWORD_MIN} to {PASSWORD_MAX} characters.",
    )
    return fields.String(validate=length, load_only=True, **kwargs)


# An address as people write it: RFC 5322's plain characters, one @, a domain with a dot.
# (What a mailbox accepts is up to its server; this catches slips, and the document says it.)
EMAIL_PATTERN = (
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}"
    r"@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)


def email_field(**kwargs: Any) -> Text:
    checks = [
        validate.Length(max=320),
        validate.Regexp(EMAIL_PATTERN, error="Give an email address, e.g. robin@example.org."),
    ]
    # No `format: email` in the document: tools disagree on it; the pattern is the rule.
    return Text(validate=checks, metadata={"example": "robin@example.org"}, **kwargs)


def display_name_field(**kwargs: Any) -> Text:
    return Text(validate=validate.Length(min=1, max=100), allow_none=True, **kwargs)


class RegisterSchema(Schema):
    email = email_field(required=True)
    password = password_field(required=True)
    display_name = display_name_field()
    timezone = TimeZone(required=True)


class CreateUserSchema(RegisterSchema):
    role = fields.Enum(Role, by_value=True, required=True)
    timezone = TimeZone(load_default="UTC")


class TokenRequestSchema(Schema):
    email = Text(required=True, validate=validate.Length(min=1, max=320))
    password = fields.String(required=True, validate=validate.Length(min=1, max=PASSWORD_MAX))
    refresh_cookie = fields.Boolean(
        load_default=False,
        metadata={
            "description": "for the web app on this origin: set the refresh token as an "
            "HttpOnly, Secure, SameSite=Strict cookie limited to /api/v1/auth/refresh "
            "instead of returning it, so no script can read it"
        },
    )


class RefreshRequestSchema(Schema):
    refresh_token = Text(
        validate=validate.Length(min=1, max=200),
        metadata={"description": "leave it out to use the refresh cookie"},
    )


class TokenSchema(Schema):
    """Dumps `IssuedTokens`."""

    access_token = fields.String(required=True)
    token_type = fields.String(required=True, dump_default="Bearer", metadata={"example": "Bearer"})
    expires_in = fields.Integer(required=True, metadata={"description": "seconds"})
    refresh_token = fields.String(
        metadata={"description": "absent when the refresh token was set as the cookie"}
    )


class MessageSchema(Schema):
    message = fields.String(required=True)


class MeSchema(Schema):
    id = fields.UUID(dump_only=True)
    email = fields.Email(dump_only=True)
    display_name = fields.String(allow_none=True)
    role = fields.Enum(Role, by_value=True, dump_only=True)
    timezone = fields.String()
    day_starts_at = ClockTime(
        metadata={"description": "when the client's day begins, HH:MM (default 03:00)"}
    )


class MePatchSchema(Schema):
    display_name = display_name_field()
    timezone = TimeZone()
    day_starts_at = ClockTime()


class ChangePasswordSchema(Schema):
    current_password = fields.String(
        required=True, load_only=True, validate=validate.Length(min=1, max=PASSWORD_MAX)
    )
    new_password = password_field(required=True)


STAFF_ROLES = [Role.THERAPIST.value, Role.EDITOR.value, Role.ADMIN.value]


class StaffQuerySchema(Schema):
    role = fields.String(
        validate=validate.OneOf(STAFF_ROLES),
        metadata={"description": "only accounts of this role"},
    )
    disabled = fields.Boolean(metadata={"description": "only disabled (true) or enabled (false)"})

    @post_load
    def as_role(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if "role" in data:
            data["role"] = Role(data["role"])
        return data


class StaffSchema(Schema):
    """Dumps a staff `User`."""

    id = fields.UUID(required=True)
    email = fields.String(required=True)
    display_name = fields.String(allow_none=True, required=True)
    role = fields.Enum(Role, by_value=True, required=True)
    created_at = fields.DateTime(required=True)
    disabled_at = fields.DateTime(
        allow_none=True, required=True, metadata={"description": "null while the account works"}
    )


class PasswordResetRequestSchema(Schema):
    email = email_field(required=True)


class PasswordResetConfirmSchema(Schema):
    token = Text(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "the token from the link in the mail"},
    )
    password = password_field(required=True)

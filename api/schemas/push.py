"""Schemas for Web Push: the server's key, a browser's subscription and reminder preferences."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.models import ReminderPreference
from api.schemas.fields import ClockTime, Text
from api.schemas.overlay import Overlay
from api.schemas.practices import StrictBoolean

_BASE64URL = r"^[A-Za-z0-9_-]+={0,2}$"


class PublicKeySchema(Schema):
    public_key = fields.String(
        required=True,
        metadata={"description": "the application server key for PushManager.subscribe"},
    )


class SubscriptionKeysSchema(Schema):
    p256dh = Text(
        required=True,
        validate=[
            validate.Length(min=80, max=100),
            validate.Regexp(_BASE64URL, error="keys.p256dh must be base64url."),
        ],
        metadata={"description": "the browser's P-256 public key, base64url"},
    )
    auth = Text(
        required=True,
        validate=[
            validate.Length(min=16, max=32),
            validate.Regexp(_BASE64URL, error="keys.auth must be base64url."),
        ],
        metadata={"description": "the 16-byte authentication secret, base64url"},
    )


class SubscribeSchema(Schema):
    """The body of `PushSubscription.toJSON()`."""

    endpoint = Text(
        required=True,
        validate=validate.Length(min=8, max=2048),
        metadata={"description": "the push service URL (https, on a known push host)"},
    )
    expirationTime = fields.Integer(  # the browser's name for it
        allow_none=True,
        load_default=None,
        strict=True,
        validate=validate.Range(min=0, max=4_102_444_800_000),
        metadata={"description": "milliseconds since 1970, or null"},
    )
    keys = fields.Nested(SubscriptionKeysSchema, required=True)


class SubscriptionSchema(Schema):
    """Dumps a `PushSubscription` (its keys are not shown again)."""

    id = fields.UUID(required=True)
    endpoint = fields.String(required=True)
    expiration_time = fields.DateTime(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)


class QuietHoursSchema(Schema):
    start = ClockTime(required=True, metadata={"description": "HH:MM, your time"})
    end = ClockTime(required=True, metadata={"description": "HH:MM; may be after midnight"})


class ReminderPreferencesSchema(Schema):
    """Dumps a `ReminderPreference` overlaid with `push_available`."""

    enabled = fields.Boolean(required=True)
    quiet_hours = fields.Nested(QuietHoursSchema, required=True)
    daily_time = ClockTime(
        required=True,
        metadata={"description": "when to remind for a prescription with no time of day"},
    )
    name_exercise = fields.Boolean(
        required=True,
        metadata={"description": "whether the notification may name the exercise"},
    )
    push_available = fields.Boolean(
        required=True, metadata={"description": "whether this server is set up to send"}
    )


class ReminderPreferencesPatchSchema(Schema):
    enabled = StrictBoolean()
    quiet_hours = fields.Nested(QuietHoursSchema)
    daily_time = ClockTime()
    name_exercise = StrictBoolean()


def preferences_answer(
    preference: ReminderPreference, *, enabled: bool, push_available: bool
) -> Overlay:
    """What `ReminderPreferencesSchema` dumps for a `ReminderPreference`."""
    quiet = {"start": preference.quiet_start, "end": preference.quiet_end}
    return Overlay(preference, quiet_hours=quiet, enabled=enabled, push_available=push_available)

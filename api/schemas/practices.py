"""Schemas for the practice log and progress stats."""

from __future__ import annotations

import uuid
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_dump, validate

from api.schemas.fields import BoundedAwareDateTime, BoundedDate, Slug, Text
from api.services.practices import (
    MAX_BATCH,
    MAX_DURATION_SECONDS,
    MAX_NOTE,
    Malformed,
    PracticeInput,
)

MOOD = validate.Range(min=0, max=10, error="Rate the mood as a whole number from 0 to 10.")


class StrictInteger(fields.Integer):
    """A JSON integer: "5", 5.5 and true are refused rather than coerced."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(f"Give a whole number, not {value!r}.")
        return value


class StrictBoolean(fields.Boolean):
    """A JSON true or false, nothing else."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ValidationError(f"Give true or false, not {value!r}.")
        return value


def offset_datetime(**kwargs: Any) -> fields.AwareDateTime:
    return BoundedAwareDateTime(
        error_messages={
            "invalid": "Give an RFC 3339 date and time, e.g. 2026-11-21T07:30:00+01:00.",
            "invalid_awareness": "Give the time with its UTC offset (e.g. +01:00 or Z); "
            "without one it could be any of 26 moments.",
        },
        **kwargs,
    )


class PracticeBodySchema(Schema):
    """What the device sends for one practice (PUT /me/practices/{id})."""

    id = fields.UUID(
        metadata={"description": "optional here; if given it must be the id in the path"}
    )
    exercise = Slug(required=True)
    length_minutes = StrictInteger(
        allow_none=True,
        validate=validate.Range(min=1, max=600),
        metadata={"description": "one of the exercise's lengths"},
    )
    prescription_id = fields.UUID(
        allow_none=True, metadata={"description": "one of your own prescriptions"}
    )
    started_at = offset_datetime(
        required=True,
        metadata={
            "description": "when the practice began, with its offset; at most 5 minutes in "
            "the future and 365 days in the past"
        },
    )
    duration_seconds = StrictInteger(
        required=True,
        validate=validate.Range(
            min=1,
            max=MAX_DURATION_SECONDS,
            error=f"Give the duration in seconds, from 1 to {MAX_DURATION_SECONDS}.",
        ),
    )
    completed = StrictBoolean(required=True)
    mood_before = StrictInteger(allow_none=True, validate=MOOD)
    mood_after = StrictInteger(allow_none=True, validate=MOOD)
    note = Text(
        multiline=True,
        allow_none=True,
        validate=validate.Length(
            max=MAX_NOTE, error=f"Keep the note to {MAX_NOTE} characters or fewer."
        ),
    )
    share_note = StrictBoolean(
        load_default=False,
        metadata={"description": "let a linked therapist who may see notes read this one"},
    )


class SyncItemSchema(PracticeBodySchema):
    id = fields.UUID(required=True, metadata={"description": "made on the device"})


class PracticeItem(fields.Nested):
    """Documented as a practice, but each item is loaded on its own by the view, so one bad
    item is answered as `invalid` instead of failing the whole request."""

    def _deserialize(
        self, value: Any, attr: Any, data: Any, partial: Any = None, **kwargs: Any
    ) -> Any:
        return value


class SyncRequestSchema(Schema):
    practices = fields.List(
        PracticeItem(SyncItemSchema),
        required=True,
        metadata={
            "maxItems": MAX_BATCH,
            "description": f"up to {MAX_BATCH}; more is refused with 413",
        },
    )


class SyncResultSchema(Schema):
    id = fields.String(
        required=True, allow_none=True, metadata={"description": "the item's id as given"}
    )
    status = fields.String(
        required=True,
        validate=validate.OneOf(["created", "duplicate", "conflict", "invalid"]),
        metadata={
            "description": "duplicate also answers an item whose practice you deleted, so "
            "the device drops it from its queue"
        },
    )
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "for conflict and invalid: messages by field"},
    )

    @post_dump
    def leave_out_no_errors(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if not data.get("errors"):
            data.pop("errors", None)
        return data


class SyncResponseSchema(Schema):
    results = fields.List(fields.Nested(SyncResultSchema), required=True)


class PracticeSchema(Schema):
    """Dumps a `Practice`."""

    id = fields.UUID(required=True)
    exercise = fields.String(
        required=True, attribute="exercise.slug", metadata={"description": "the exercise's slug"}
    )
    length_minutes = fields.Integer(required=True, allow_none=True)
    prescription_id = fields.UUID(required=True, allow_none=True)
    started_at = fields.DateTime(required=True)
    received_at = fields.DateTime(
        required=True, metadata={"description": "when the server first received it"}
    )
    duration_seconds = fields.Integer(required=True)
    completed = fields.Boolean(required=True)
    mood_before = fields.Integer(required=True, allow_none=True)
    mood_after = fields.Integer(required=True, allow_none=True)
    note = fields.String(required=True, allow_none=True)
    share_note = fields.Boolean(required=True)


class PracticeListQuerySchema(Schema):
    from_ = BoundedDate(
        data_key="from",
        metadata={"description": "first of your days to include (YYYY-MM-DD), as in the stats"},
    )
    to = BoundedDate(metadata={"description": "last of your days to include (YYYY-MM-DD)"})
    exercise = Slug()
    cursor = Text(
        validate=validate.Length(min=1, max=200),
        metadata={"description": "next_cursor from the previous page"},
    )
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))


class PracticePageSchema(Schema):
    items = fields.List(fields.Nested(PracticeSchema), required=True)
    next_cursor = fields.String(
        required=True, allow_none=True, metadata={"description": "null on the last page"}
    )


class MoodStatsSchema(Schema):
    avg_before = fields.Float(required=True, allow_none=True)
    avg_after = fields.Float(required=True, allow_none=True)
    avg_change = fields.Float(required=True, allow_none=True)
    n = fields.Integer(
        required=True, metadata={"description": "practices with both moods, which the averages use"}
    )


class ExerciseMoodSchema(Schema):
    """Dumps a `stats.ExerciseMood`."""

    exercise = fields.String(required=True, metadata={"description": "the exercise's slug"})
    title = fields.String(required=True)
    sessions = fields.Integer(required=True)
    mood_n = fields.Integer(
        required=True,
        attribute="mood.n",
        metadata={"description": "of those, practices with both moods"},
    )
    avg_before = fields.Float(required=True, allow_none=True, attribute="mood.avg_before")
    avg_after = fields.Float(required=True, allow_none=True, attribute="mood.avg_after")
    avg_change = fields.Float(
        required=True,
        allow_none=True,
        attribute="mood.avg_change",
        metadata={"description": "null when mood_n is 0"},
    )


class StatsSchema(Schema):
    current_streak_days = fields.Integer(required=True)
    longest_streak_days = fields.Integer(required=True)
    total_minutes = fields.Integer(required=True)
    sessions_7d = fields.Integer(required=True)
    minutes_7d = fields.Integer(required=True)
    sessions_30d = fields.Integer(required=True)
    minutes_30d = fields.Integer(required=True)
    mood = fields.Nested(MoodStatsSchema, required=True)
    by_kind = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={"description": "practices per exercise kind"},
    )
    by_exercise = fields.List(
        fields.Nested(ExerciseMoodSchema),
        required=True,
        metadata={
            "description": "per exercise practised, the mood change after it; largest "
            "change first, exercises without moods last"
        },
    )


def practice_input(data: dict[str, Any], practice_id: uuid.UUID) -> PracticeInput:
    body = {key: value for key, value in data.items() if key != "id"}
    return PracticeInput(id=practice_id, **body)


_sync_item = SyncItemSchema()


def load_sync_item(raw: object) -> PracticeInput | Malformed:
    """Load one sync item; a bad one becomes `Malformed` with its errors by field."""
    given_id = raw.get("id") if isinstance(raw, dict) else None
    shown_id = given_id if isinstance(given_id, str) else None
    if not isinstance(raw, dict):
        return Malformed(None, {"_schema": ["Each practice must be a JSON object."]})
    try:
        data = _sync_item.load(raw)
    except ValidationError as error:
        messages = error.normalized_messages()
        errors = {str(key): _flatten(value) for key, value in messages.items()}
        return Malformed(shown_id, errors)
    return practice_input(data, data["id"])


def _flatten(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(item) for item in value]
    if isinstance(value, dict):
        return [f"{key}: {' '.join(_flatten(inner))}" for key, inner in value.items()]
    return [str(value)]

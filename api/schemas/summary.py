"""Schemas for the therapist's session summary."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, pre_dump, validates_schema

from api.schemas.agenda import SharedAgendaItemSchema
from api.schemas.care import ScheduleField
from api.schemas.fields import BoundedDate
from api.schemas.overlay import Overlay
from api.schemas.practices import ExerciseMoodSchema, MoodStatsSchema
from api.services.adherence import WindowCount
from api.services.summary import DEFAULT_DAYS, SessionSummary


class SummaryQuerySchema(Schema):
    from_ = BoundedDate(
        data_key="from",
        metadata={
            "description": "first day (the client's days), default: the day of the last summary "
            f"you read before today, else {DEFAULT_DAYS} days before `to`"
        },
    )
    to = BoundedDate(metadata={"description": "last day, default: the client's today"})

    @validates_schema
    def from_before_to(self, data: dict[str, Any], **kwargs: Any) -> None:
        first, last = data.get("from_"), data.get("to")
        if first and last and first > last:
            raise ValidationError("'from' must be on or before 'to'.", "from")


class SummaryClientSchema(Schema):
    id = fields.UUID(required=True)
    display_name = fields.String(required=True, allow_none=True)
    timezone = fields.String(required=True)


class SummaryPrescriptionSchema(Schema):
    """Dumps an `adherence.WindowCount`."""

    id = fields.UUID(required=True, attribute="prescription.id")
    exercise = fields.String(required=True, attribute="prescription.exercise.slug")
    title = fields.String(required=True)
    length_minutes = fields.Integer(
        required=True, allow_none=True, attribute="prescription.length_minutes"
    )
    schedule = ScheduleField(required=True, attribute="prescription.schedule")
    expected = fields.Integer(required=True)
    done = fields.Integer(required=True)

    @pre_dump
    def title_of(self, row: WindowCount, **kwargs: Any) -> Overlay:
        exercise = row.prescription.exercise
        return Overlay(row, title=exercise.title or exercise.slug)


class SharedNoteSchema(Schema):
    """Dumps a `Practice` whose note the client shares."""

    practice_id = fields.UUID(required=True, attribute="id")
    started_at = fields.DateTime(required=True)
    day = fields.Date(required=True, attribute="local_day")
    exercise = fields.String(required=True, attribute="exercise.slug")
    note = fields.String(required=True)


class SessionSummarySchema(Schema):
    """Dumps a `summary.SessionSummary`."""

    client = fields.Nested(SummaryClientSchema, required=True)
    from_ = fields.Date(required=True, data_key="from", attribute="first_day")
    to = fields.Date(required=True, attribute="last_day")
    share_mood = fields.Boolean(required=True)
    share_notes = fields.Boolean(required=True)
    practices = fields.Integer(
        required=True, metadata={"description": "practices you can see in the range"}
    )
    expected = fields.Integer(required=True, metadata={"description": "over all prescriptions"})
    done = fields.Integer(required=True)
    prescriptions = fields.List(fields.Nested(SummaryPrescriptionSchema), required=True)
    mood = fields.Nested(
        MoodStatsSchema,  # a `stats.MoodChange`, as in the client's own stats
        required=True,
        allow_none=True,
        metadata={"description": "null when the client does not share mood"},
    )
    helped_most = fields.List(
        fields.Nested(ExerciseMoodSchema),  # a `stats.ExerciseMood`, as in the client's stats
        required=True,
        allow_none=True,
        metadata={
            "description": "up to 3 exercises, largest mean mood change first; "
            "null when the client does not share mood"
        },
    )
    notes = fields.List(
        fields.Nested(SharedNoteSchema),
        required=True,
        allow_none=True,
        metadata={"description": "the notes the client shares; null when they share none"},
    )
    agenda = fields.List(
        fields.Nested(SharedAgendaItemSchema),
        required=True,
        metadata={"description": "the client's shared agenda items not yet done"},
    )

    @pre_dump
    def totals(self, summary: SessionSummary, **kwargs: Any) -> Overlay:
        return Overlay(
            summary,
            client=summary.link.client,
            share_mood=summary.link.share_mood,
            share_notes=summary.link.share_notes,
            expected=sum(row.expected for row in summary.prescriptions),
            done=sum(row.done for row in summary.prescriptions),
        )

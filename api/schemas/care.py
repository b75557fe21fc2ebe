"""Schemas for care: invitations, links, clients, prescriptions, the plan, adherence and the
access log."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, pre_dump, validate, validates_schema

from api.models import AccessLogEntry, CareLink, Practice, Prescription
from api.schemas.accounts import email_field
from api.schemas.fields import BoundedDate, ClockTime, Slug, Text
from api.schemas.overlay import Overlay
from api.schemas.practices import PracticeSchema, StrictBoolean
from api.services.care import masked_practice
from api.services.care_reads import ClientOverview
from api.services.schedule import DAY_NAMES, Schedule


class InvitationRequestSchema(Schema):
    # Also mail the code to this address (see the operation's description).
    email = email_field()


class InvitationSchema(Schema):
    """Dumps an `Invitation` overlaid with its code (only its hash is stored)."""

    code = fields.String(required=True, metadata={"description": "give this to the client"})
    expires_at = fields.DateTime(required=True)


SHARE_MOOD = "show your mood ratings, on every practice this therapist can see"
SHARE_NOTES = "show the notes you marked as shared, on every practice this therapist can see"
SHARE_HISTORY = (
    "false: this therapist sees only practices that started at or after the link was made; "
    "true: your earlier practices too"
)


class AcceptSchema(Schema):
    share_mood = StrictBoolean(required=True, metadata={"description": SHARE_MOOD})
    share_notes = StrictBoolean(required=True, metadata={"description": SHARE_NOTES})
    share_history = StrictBoolean(load_default=False, metadata={"description": SHARE_HISTORY})


class SharingSchema(Schema):
    share_mood = StrictBoolean(metadata={"description": SHARE_MOOD})
    share_notes = StrictBoolean(metadata={"description": SHARE_NOTES})
    share_history = StrictBoolean(metadata={"description": SHARE_HISTORY})


class PersonSchema(Schema):
    id = fields.UUID(required=True)
    display_name = fields.String(required=True, allow_none=True)


class LinkSchema(Schema):
    """Dumps a `CareLink`."""

    therapist = fields.Nested(PersonSchema, required=True)
    share_mood = fields.Boolean(required=True)
    share_notes = fields.Boolean(required=True)
    share_history = fields.Boolean(required=True, metadata={"description": SHARE_HISTORY})
    created_at = fields.DateTime(required=True)


class AdherenceCountSchema(Schema):
    expected = fields.Integer(required=True)
    done = fields.Integer(required=True)


class MoodPointSchema(Schema):
    """Dumps a `care_reads.MoodPoint` (a practice the client shares the mood of)."""

    day = fields.Date(required=True)
    mood_before = fields.Integer(required=True)
    mood_after = fields.Integer(required=True)


class ClientSchema(Schema):
    """Dumps a `care_reads.ClientOverview`: its link, overlaid with `last_practice_at` and
    `adherence_7d`."""

    id = fields.UUID(required=True, attribute="client.id")
    display_name = fields.String(required=True, allow_none=True, attribute="client.display_name")
    timezone = fields.String(required=True, attribute="client.timezone")
    linked_at = fields.DateTime(required=True, attribute="created_at")
    share_mood = fields.Boolean(required=True)
    share_notes = fields.Boolean(required=True)
    share_history = fields.Boolean(
        required=True,
        metadata={"description": "false: you see practices from linked_at on; true: all"},
    )
    last_practice_at = fields.DateTime(required=True, allow_none=True)
    adherence_7d = fields.Nested(
        AdherenceCountSchema,
        required=True,
        metadata={"description": "expected and done over the client's last 7 days"},
    )
    recent_moods = fields.List(
        fields.Nested(MoodPointSchema),
        required=True,
        allow_none=True,
        metadata={
            "description": "the last 10 practices rated before and after in the last 30 days, "
            "oldest first; null when the client does not share mood"
        },
    )

    @pre_dump
    def link_of(self, overview: ClientOverview, **kwargs: Any) -> Overlay:
        return Overlay(
            overview.link,
            last_practice_at=overview.last_practice_at,
            adherence_7d=overview.adherence_7d,
            recent_moods=overview.recent_moods,
        )


class ScheduleField(fields.Field):
    """{"days": ["mon", "thu"]} or {"per_week": 3}."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "metadata",
            {
                "type": "object",
                "description": '{"days": ["mon".."sun"]} (at least one) or {"per_week": 1-21}',
                "properties": {
                    "days": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"type": "string", "enum": list(DAY_NAMES)},
                    },
                    "per_week": {"type": "integer", "minimum": 1, "maximum": 21},
                },
                "additionalProperties": False,
                "minProperties": 1,
                "maxProperties": 1,
            },
        )
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            return Schedule.from_json(value).as_json()
        except (ValueError, TypeError, AttributeError) as error:
            raise ValidationError(str(error)) from None

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return value


class PrescriptionInSchema(Schema):
    exercise = Slug(required=True)
    length_minutes = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=600))
    schedule = ScheduleField(required=True)
    time_of_day = ClockTime(allow_none=True)
    start_date = BoundedDate(required=True)
    end_date = BoundedDate(allow_none=True)
    note = Text(multiline=True, allow_none=True, validate=validate.Length(max=1000))

    @validates_schema
    def end_after_start(self, data: dict[str, Any], **kwargs: Any) -> None:
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            raise ValidationError("end_date must be on or after start_date.", "end_date")


class PrescriptionPatchSchema(PrescriptionInSchema):
    exercise = Slug()
    schedule = ScheduleField()
    start_date = BoundedDate()


class PrescriptionSchema(Schema):
    """Dumps a `Prescription`."""

    id = fields.UUID(required=True)
    client_id = fields.UUID(required=True, allow_none=True)
    therapist = fields.Nested(PersonSchema, required=True, allow_none=True)
    exercise = fields.String(required=True, attribute="exercise.slug")
    length_minutes = fields.Integer(required=True, allow_none=True)
    schedule = ScheduleField(required=True)
    time_of_day = ClockTime(required=True, allow_none=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True, allow_none=True)
    note = fields.String(required=True, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(["active", "ended"]))
    created_at = fields.DateTime(required=True)
    ended_at = fields.DateTime(required=True, allow_none=True)

    @pre_dump
    def status_of(self, prescription: Prescription, **kwargs: Any) -> Overlay:
        return Overlay(prescription, status="ended" if prescription.ended_at else "active")


class PlanQuerySchema(Schema):
    date = BoundedDate(metadata={"description": "YYYY-MM-DD; default: today in your time zone"})


class PlanItemSchema(Schema):
    prescription_id = fields.UUID(required=True)
    exercise = fields.String(required=True)
    title = fields.String(required=True, metadata={"description": "the exercise's title"})
    length_minutes = fields.Integer(required=True, allow_none=True)
    time_of_day = ClockTime(required=True, allow_none=True)
    note = fields.String(
        required=True, allow_none=True, metadata={"description": "the therapist's note"}
    )
    therapist = fields.Nested(PersonSchema, required=True, allow_none=True)
    done = fields.Boolean(required=True)


class PlanSchema(Schema):
    date = fields.Date(required=True)
    items = fields.List(fields.Nested(PlanItemSchema), required=True)


class AdherenceQuerySchema(Schema):
    weeks = fields.Integer(load_default=4, validate=validate.Range(min=1, max=52))


class DayCellSchema(Schema):
    date = fields.Date(required=True)
    active = fields.Boolean(
        required=True, metadata={"description": "within the prescription's dates"}
    )
    due = fields.Boolean(
        required=True,
        metadata={"description": "a listed weekday of a days-schedule (never for per_week)"},
    )
    done = fields.Integer(required=True, metadata={"description": "practices counted for it"})


class WeekCountSchema(Schema):
    week_start = fields.Date(required=True)
    expected = fields.Integer(required=True)
    done = fields.Integer(required=True)
    days = fields.List(
        fields.Nested(DayCellSchema),
        required=True,
        metadata={"description": "Monday to Sunday of that week, for a heatmap"},
    )


class PrescriptionAdherenceSchema(Schema):
    id = fields.UUID(required=True)
    exercise = fields.String(required=True)
    weeks = fields.List(fields.Nested(WeekCountSchema), required=True)


class AdherenceSchema(Schema):
    weeks = fields.List(fields.Date(), required=True)
    prescriptions = fields.List(fields.Nested(PrescriptionAdherenceSchema), required=True)


class ClientPracticeSchema(PracticeSchema):
    """A client's practice as their therapist sees it: null where not shared. Dumps a
    (practice, link) pair: the link says what its therapist may see."""

    @pre_dump
    def mask(self, seen: tuple[Practice, CareLink], **kwargs: Any) -> Overlay:
        practice, link = seen
        return Overlay(practice, **masked_practice(practice, link))


class ClientPracticePageSchema(Schema):
    items = fields.List(fields.Nested(ClientPracticeSchema), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


class LoggedTherapistSchema(Schema):
    """Dumps an `AccessLogEntry`: it keeps the therapist's id and name itself, so the name
    outlives the therapist's account."""

    id = fields.UUID(
        required=True,
        allow_none=True,
        attribute="therapist_id",
        metadata={"description": "null if erased"},
    )
    display_name = fields.String(required=True, allow_none=True, attribute="therapist_name")


class AccessLogEntrySchema(Schema):
    """Dumps an `AccessLogEntry`."""

    therapist = fields.Nested(LoggedTherapistSchema, required=True)
    what = fields.String(required=True)
    at = fields.DateTime(required=True)

    @pre_dump
    def therapist_of(self, entry: AccessLogEntry, **kwargs: Any) -> Overlay:
        return Overlay(entry, therapist=entry)

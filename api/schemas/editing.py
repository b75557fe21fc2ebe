"""Schemas for the editor's screens: the script list, a version in full, who did what."""

from __future__ import annotations

from marshmallow import Schema, fields

from api.models import VersionStatus
from api.schemas.content import JobSchema, RecordingSchema, VersionSchema


class ScriptSummarySchema(Schema):
    """Dumps a `ScriptSummary`."""

    slug = fields.String(required=True)
    title = fields.String(required=True)
    kind = fields.String(required=True)
    latest_version = fields.Integer(required=True)
    status = fields.Enum(
        VersionStatus, by_value=True, required=True, metadata={"description": "the latest's"}
    )
    published_version = fields.Integer(allow_none=True, required=True)
    updated_at = fields.DateTime(
        required=True, metadata={"description": "when the latest version was saved"}
    )


class ContributorSchema(Schema):
    """Dumps a `User`: who wrote or published a version."""

    id = fields.UUID(required=True)
    display_name = fields.String(allow_none=True, required=True)
    email = fields.String(required=True)


class HistoryVersionSchema(VersionSchema):
    """Dumps an `ExerciseVersion` with who saved and who published it."""

    author = fields.Nested(
        ContributorSchema, allow_none=True, required=True, metadata={"description": "who saved it"}
    )
    published_by = fields.Nested(
        ContributorSchema,
        allow_none=True,
        required=True,
        attribute="publisher",
        metadata={"description": "who published it; null if never, or for an erased account"},
    )


class SegmentSchema(Schema):
    """Dumps a `SaySegment`."""

    id = fields.String(required=True)
    text = fields.String(required=True)
    line = fields.Integer(required=True, metadata={"description": "where it starts in the source"})
    recording = fields.Nested(
        RecordingSchema,
        allow_none=True,
        required=True,
        metadata={"description": "null: the synthetic voice reads it"},
    )


class VersionDetailSchema(HistoryVersionSchema):
    """Dumps an `ExerciseVersion` with its source, say segments and running render job."""

    source = fields.String(required=True)
    segments = fields.List(fields.Nested(SegmentSchema), required=True)
    render_job = fields.Nested(
        JobSchema, allow_none=True, required=True, metadata={"description": "while rendering"}
    )

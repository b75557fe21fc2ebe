"""Schemas for the catalog, audio delivery and editing."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, pre_dump, validate

from api.models import Exercise, ExerciseVersion, JobStatus, Rendition, Variant, VersionStatus
from api.schemas.fields import Text
from api.schemas.overlay import Overlay
from api.services.content import FORMATS, MAX_SOURCE_CHARS, media_type
from audio_scripts import KINDS


class CatalogQuerySchema(Schema):
    kind = fields.String(validate=validate.OneOf(KINDS))
    q = Text(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "words to find in the title or summary"},
    )
    max_minutes = fields.Integer(
        validate=validate.Range(min=1, max=600),
        metadata={"description": "only exercises with a length of at most this many minutes"},
    )
    language = Text(
        validate=[
            validate.Length(max=35),
            validate.Regexp(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"),
        ],
        metadata={"description": "a language tag, e.g. en or pt-BR"},
    )


class VersionQuerySchema(Schema):
    version = fields.Integer(
        validate=validate.Range(min=1, max=1_000_000),
        metadata={"description": "editors and admins only: a draft version to preview"},
    )
    v = Text(
        validate=validate.Regexp(r"^[0-9a-f]{0,64}$"),
        metadata={"description": "content fingerprint from the detail URLs (for caching)"},
    )


class AudioQuerySchema(VersionQuerySchema):
    format = fields.String(load_default="aac", validate=validate.OneOf(sorted(FORMATS)))


class ExerciseSummarySchema(Schema):
    """Dumps an `Exercise` (its catalog fields are the published version's)."""

    slug = fields.String(required=True)
    title = fields.String(required=True)
    kind = fields.String(required=True)
    summary = fields.String(required=True)
    lengths = fields.List(fields.Integer(), required=True)
    languages = fields.List(fields.String(), required=True)

    @pre_dump
    def one_language(self, exercise: Exercise | ExerciseVersion, **kwargs: Any) -> Overlay:
        return Overlay(exercise, languages=[exercise.language])


class BreathPatternSchema(Schema):
    inhale = fields.Float(required=True)
    hold_in = fields.Float(required=True)
    exhale = fields.Float(required=True)
    hold_out = fields.Float(required=True)
    second_inhale = fields.Float(required=True)


def file_url(endpoint: str, variant: Variant, fingerprint: str, **extra: str) -> str:
    """The URL of one of a variant's files. A draft's names its version; every URL carries
    the file's fingerprint, so a published one can be cached for good."""
    version = variant.version
    query: dict[str, Any] = dict(extra)
    if version.status != VersionStatus.PUBLISHED:
        query["version"] = version.number
    query["v"] = fingerprint[:16]
    slug = version.exercise.slug
    return url_for(endpoint, slug=slug, minutes=variant.length_minutes, **query)


class RenditionSchema(Schema):
    """Dumps a `Rendition`."""

    format = fields.String(required=True)
    mime_type = fields.String(
        required=True,
        metadata={
            "description": "with its codecs, for canPlayType",
            "example": 'audio/ogg; codecs="opus"',
        },
    )
    bitrate = fields.Integer(
        required=True,
        metadata={
            "description": "the file's average in bits per second: bytes × 8 / duration",
            "example": 31_250,
        },
    )
    nominal_bitrate = fields.Integer(
        required=True,
        metadata={"description": "the bitrate the encoder was set to", "example": 64_000},
    )
    bytes = fields.Integer(required=True)
    url = fields.String(required=True)

    @pre_dump
    def url_of(self, rendition: Rendition, **kwargs: Any) -> Overlay:
        url = file_url(
            "exercises.Audio", rendition.variant, rendition.sha256, format=rendition.format
        )
        return Overlay(rendition, mime_type=media_type(rendition), url=url)


class VariantSchema(Schema):
    """Dumps a `Variant`."""

    length_minutes = fields.Integer(required=True)
    duration_ms = fields.Integer(required=True)
    renditions = fields.List(fields.Nested(RenditionSchema), required=True)
    captions_url = fields.String(required=True)
    timeline_url = fields.String(required=True)

    @pre_dump
    def urls_of(self, variant: Variant, **kwargs: Any) -> Overlay:
        return Overlay(
            variant,
            captions_url=file_url("exercises.Captions", variant, variant.content_sha256),
            timeline_url=file_url("exercises.TimelineView", variant, variant.content_sha256),
        )


class ExerciseDetailSchema(ExerciseSummarySchema):
    """Dumps an `ExerciseVersion`: the published one, or a draft for an editor."""

    slug = fields.String(required=True, attribute="exercise.slug")
    language = fields.String(required=True)
    version = fields.Integer(required=True, attribute="number")
    status = fields.Enum(VersionStatus, by_value=True, required=True)
    breath_pattern = fields.Nested(BreathPatternSchema, allow_none=True, required=True)
    variants = fields.List(fields.Nested(VariantSchema), required=True)


class TimelineEventSchema(Schema):
    at_ms = fields.Integer(required=True)
    until_ms = fields.Integer(required=True)
    type = fields.String(
        required=True, validate=validate.OneOf(["say", "pause", "bell", "inhale", "hold", "exhale"])
    )
    text = fields.String()


class TimelineSchema(Schema):
    duration_ms = fields.Integer(required=True)
    events = fields.List(fields.Nested(TimelineEventSchema), required=True)


class SourceSchema(Schema):
    source = Text(
        multiline=True,
        required=True,
        validate=validate.Length(min=1, max=MAX_SOURCE_CHARS),
        metadata={"description": "the exercise script, as YAML text"},
    )


class ValidationSchema(Schema):
    warnings = fields.List(fields.String(), required=True)
    durations = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={"description": "estimated duration in ms for each length in minutes"},
    )


class VersionRefSchema(Schema):
    """Dumps an `ExerciseVersion`."""

    slug = fields.String(required=True, attribute="exercise.slug")
    version = fields.Integer(required=True, attribute="number")
    status = fields.Enum(VersionStatus, by_value=True, required=True)


class VersionSchema(VersionRefSchema):
    title = fields.String(required=True)
    kind = fields.String(required=True)
    lengths = fields.List(fields.Integer(), required=True)
    error = fields.String(allow_none=True, required=True)
    recordings = fields.List(
        fields.String(), required=True, metadata={"description": "segment ids"}
    )
    created_at = fields.DateTime(required=True)
    rendered_at = fields.DateTime(allow_none=True, required=True)
    published_at = fields.DateTime(allow_none=True, required=True)

    @pre_dump
    def recordings_of(self, version: ExerciseVersion, **kwargs: Any) -> Overlay:
        return Overlay(version, recordings=sorted(r.segment_id for r in version.recordings))


class UploadSchema(Schema):
    file = Upload(required=True, metadata={"description": "an audio file ffmpeg can decode"})


class RecordingSchema(Schema):
    segment_id = fields.String(required=True)
    bytes = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    duration_ms = fields.Integer(required=True)
    filename = fields.String(allow_none=True, required=True)


class JobSchema(Schema):
    id = fields.UUID(required=True)
    kind = fields.String(required=True)
    status = fields.Enum(JobStatus, by_value=True, required=True)
    progress = fields.Float(required=True)
    error = fields.String(allow_none=True, required=True)
    created_at = fields.DateTime(required=True)
    finished_at = fields.DateTime(allow_none=True, required=True)


class JobAcceptedSchema(Schema):
    job = fields.Nested(JobSchema, required=True)

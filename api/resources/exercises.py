"""The catalog: published exercises, their variants, audio, captions and timelines."""

from __future__ import annotations

from flask import Response, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.wrappers import Response as BaseResponse

from api.cache import public_cache
from api.delivery import IMMUTABLE, OCTET_STREAM, REVALIDATE, deliver_audio
from api.extensions import db
from api.models import ExerciseVersion, Variant, VersionStatus
from api.openapi import TOKEN_OPTIONAL
from api.resources.deps import page_of, storage
from api.schemas.content import (
    AudioQuerySchema,
    CatalogQuerySchema,
    ExerciseDetailSchema,
    ExerciseSummarySchema,
    TimelineSchema,
    VersionQuerySchema,
)
from api.security import documents, is_staff_editor, optional_user
from api.services import content

blp = Blueprint(
    "exercises",
    __name__,
    url_prefix="/api/v1/exercises",
    description="Published exercises and their audio. Public; editors also see drafts.",
)

BINARY = {"schema": {"type": "string", "format": "binary"}}
# The rendition's own type, or application/octet-stream when the request asks for that.
AUDIO_TYPES = {
    "audio/mp4": BINARY,
    "audio/ogg": BINARY,
    "audio/mpeg": BINARY,
    OCTET_STREAM: BINARY,
}


def _header(description: str, **schema: object) -> dict[str, object]:
    return {"description": description, "schema": {"type": "string", **schema}}


ETAG = _header("the file's strong validator (its sha256)")
CACHING = _header("immutable with a fingerprinted URL (`v`), else revalidated; no-store for drafts")
FILE_HEADERS = {
    "ETag": ETAG,
    "Cache-Control": CACHING,
    "Accept-Ranges": _header("byte ranges are answered", enum=["bytes"]),
}
AUDIO_DOC = {
    "responses": {
        "200": {"description": "the whole file", "content": AUDIO_TYPES, "headers": FILE_HEADERS},
        "206": {
            "description": "the requested byte range",
            "content": AUDIO_TYPES,
            "headers": {
                **FILE_HEADERS,
                "Content-Range": _header("the range sent", example="bytes 0-1023/48213"),
            },
        },
        "302": {
            "description": "S3 storage: a presigned URL to fetch the file from",
            "headers": {"Location": _header("the presigned URL"), "Cache-Control": CACHING},
        },
        "304": {
            "description": "not modified since the given ETag",
            "headers": {"ETag": ETAG, "Cache-Control": CACHING},
        },
    }
}
VALIDATED = {"ETag": _header("changes when the captions or timeline do"), "Cache-Control": CACHING}


# A whole small library on one page (the built-in one has 14 exercises).
CATALOG_PAGE_SIZE = 50


def _visible(slug: str, args: dict) -> ExerciseVersion:
    drafts = is_staff_editor(optional_user())
    return content.visible_version(db.session, slug, number=args.get("version"), drafts=drafts)


@blp.route("")
class Catalog(MethodView):
    @public_cache
    @blp.arguments(CatalogQuerySchema, location="query")
    @blp.response(200, ExerciseSummarySchema(many=True))
    @blp.paginate(page_size=CATALOG_PAGE_SIZE)
    @blp.doc(operationId="listExercises")
    def get(self, filters, pagination_parameters):
        """Published exercises, filtered by kind, words, length and language"""
        return page_of(content.catalog_query(**filters), pagination_parameters)


@blp.route("/<name:slug>")
class Detail(MethodView):
    @public_cache
    @blp.arguments(VersionQuerySchema, location="query")
    @blp.response(200, ExerciseDetailSchema)
    @documents(404)
    @blp.doc(operationId="getExercise", security=TOKEN_OPTIONAL)
    def get(self, args, slug):
        """One exercise with its variants (length, duration, audio, captions, timeline)"""
        return _visible(slug, args)


@blp.route("/<name:slug>/variants/<int(min=1, max=600):minutes>/audio")
class Audio(MethodView):
    @blp.arguments(AudioQuerySchema, location="query")
    @blp.doc(**AUDIO_DOC)
    @documents(404, 416, 503)
    @blp.doc(operationId="getAudio", security=TOKEN_OPTIONAL)
    def get(self, args, slug, minutes):
        """The audio of one length: one pre-mixed file, playable with the screen locked

        Local storage answers with the file (Range, ETag, immutable caching when the URL
        carries `v`); S3 storage answers 302 to a presigned URL."""
        version = _visible(slug, args)
        variant = content.find_variant(version, minutes)
        rendition = content.find_rendition(variant, args["format"])
        fingerprinted = args.get("v") == rendition.sha256[:16]
        published = version.status == VersionStatus.PUBLISHED
        return deliver_audio(storage(), rendition, fingerprinted=fingerprinted, published=published)


@blp.route("/<name:slug>/variants/<int(min=1, max=600):minutes>/captions")
class Captions(MethodView):
    @blp.arguments(VersionQuerySchema, location="query")
    @blp.response(200, {"type": "string"}, content_type="text/vtt", headers=VALIDATED)
    @documents(404)
    @blp.doc(operationId="getCaptions", security=TOKEN_OPTIONAL)
    def get(self, args, slug, minutes):
        """WebVTT captions of the spoken parts"""
        variant = content.find_variant(_visible(slug, args), minutes)
        response = Response(variant.captions, mimetype="text/vtt")
        return _cached(response, args, variant)


@blp.route("/<name:slug>/variants/<int(min=1, max=600):minutes>/timeline")
class TimelineView(MethodView):
    @blp.arguments(VersionQuerySchema, location="query")
    @blp.response(200, TimelineSchema, headers=VALIDATED)
    @documents(404)
    @blp.doc(operationId="getTimeline", security=TOKEN_OPTIONAL)
    def get(self, args, slug, minutes):
        """The timed events the PWA animates its pacer and captions from"""
        variant = content.find_variant(_visible(slug, args), minutes)
        return _cached(jsonify(TimelineSchema().dump(variant.timeline)), args, variant)


def _cached(response: Response, args: dict, variant: Variant) -> BaseResponse:
    response.set_etag(variant.content_sha256)
    if variant.version.status != VersionStatus.PUBLISHED:
        response.headers["Cache-Control"] = "no-store"  # a draft preview
    elif args.get("v") == variant.content_sha256[:16]:
        response.headers["Cache-Control"] = IMMUTABLE
    else:
        response.headers["Cache-Control"] = REVALIDATE
    return response.make_conditional(request)

"""Editing: validate and upload scripts, manage versions and recordings, render, publish."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.utils import secure_filename

from api.delivery import deliver_recording
from api.extensions import db
from api.models import Role
from api.resources.deps import jobs, page_of, page_of_list, storage
from api.schemas.content import (
    JobAcceptedSchema,
    RecordingSchema,
    SourceSchema,
    UploadSchema,
    ValidationSchema,
    VersionRefSchema,
)
from api.schemas.editing import HistoryVersionSchema, ScriptSummarySchema, VersionDetailSchema
from api.schemas.overlay import Overlay
from api.security import auth_required, current_user, documents
from api.services import content, editing, rendering
from api.services import jobs as job_service
from api.transactions import writes

blp = Blueprint("editor", __name__, url_prefix="/api/v1", description="Editing exercises")

EDITORS = (Role.EDITOR, Role.ADMIN)
BINARY = {"type": "string", "format": "binary"}


@blp.route("/scripts/validate")
class ValidateScript(MethodView):
    @auth_required(*EDITORS)
    @blp.arguments(SourceSchema)
    @blp.response(200, ValidationSchema)
    @documents(415)
    @blp.doc(operationId="validateScript")
    def post(self, data):
        """Check a script: line-numbered errors (422), warnings and estimated durations"""
        return content.check_source(data["source"])


@blp.route("/scripts")
class Scripts(MethodView):
    @auth_required(*EDITORS)
    @blp.response(200, ScriptSummarySchema(many=True))
    @blp.paginate()
    @blp.doc(operationId="listScripts")
    def get(self, pagination_parameters):
        """Every exercise, drafts too, by title: its latest version and the published one"""
        return page_of_list(editing.script_summaries(db.session), pagination_parameters)

    @writes
    @auth_required(*EDITORS)
    @blp.arguments(SourceSchema)
    @blp.response(201, VersionRefSchema)
    @documents(409, 415)
    @blp.doc(operationId="uploadScript")
    def post(self, data):
        """Upload a script as the next draft version of its exercise (made on first upload)"""
        version = content.create_version(db.session, data["source"], author_id=current_user().id)
        return version


@blp.route("/exercises/<name:slug>/versions")
class Versions(MethodView):
    @auth_required(*EDITORS)
    @blp.response(200, HistoryVersionSchema(many=True))
    @blp.paginate()
    @documents(404)
    @blp.doc(operationId="listVersions")
    def get(self, slug, pagination_parameters):
        """Every version of an exercise, newest first: its status, who saved and published it"""
        return page_of(content.list_versions(db.session, slug), pagination_parameters)


@blp.route("/exercises/<name:slug>/versions/<int(min=1, max=1000000):number>")
class VersionById(MethodView):
    @auth_required(*EDITORS)
    @blp.response(200, VersionDetailSchema)
    @documents(404)
    @blp.doc(operationId="getVersion")
    def get(self, slug, number):
        """One version in full: its source, its say segments with their recordings, and the
        render job while it is rendering"""
        version = content.find_version(db.session, slug, number)
        return Overlay(
            version,
            segments=editing.say_segments(version),
            render_job=editing.render_job(db.session, version),
        )


@blp.route(
    "/exercises/<name:slug>/versions/<int(min=1, max=1000000):number>/recordings/<name:segment_id>"
)
class Recordings(MethodView):
    @auth_required(*EDITORS)
    @blp.response(200, BINARY, content_type="application/octet-stream")
    @blp.alt_response(302, description="S3 storage: a presigned URL of the file", success=True)
    @documents(404, 503)
    @blp.doc(operationId="getRecording")
    def get(self, slug, number, segment_id):
        """The uploaded recording of one say segment, as it was uploaded"""
        version = content.find_version(db.session, slug, number)
        recording = editing.find_recording(version, segment_id)
        return deliver_recording(storage(), recording)

    @writes
    @auth_required(*EDITORS)
    @blp.response(204)
    @documents(404, 409)
    @blp.doc(operationId="removeRecording")
    def delete(self, slug, number, segment_id):
        """Remove a segment's recording: the synthetic voice reads it again at the next render"""
        version = content.find_version(db.session, slug, number)
        editing.remove_recording(db.session, version, segment_id)

    @writes
    @auth_required(*EDITORS)
    @blp.arguments(UploadSchema, location="files")
    @blp.response(201, RecordingSchema)
    @blp.alt_response(200, schema=RecordingSchema, description="replaced", success=True)
    @documents(404, 409, 413, 415)
    @blp.doc(operationId="uploadRecording")
    def put(self, files, slug, number, segment_id):
        """Upload a narration recording that replaces the voice of one say segment

        Multipart, with the audio in the field `file`. It must decode as audio (else 415)
        and fit INTERLUDE_MAX_UPLOAD_MB (else 413). 201 the first time, 200 when it replaces
        an earlier upload. The version's audio changes only when it is rendered again."""
        version = content.find_version(db.session, slug, number)
        upload = files["file"]
        filename = secure_filename(upload.filename or "") or None
        with tempfile.TemporaryDirectory(prefix="interlude-upload-") as tmp:
            path = Path(tmp) / "upload"
            upload.save(path)
            recording, created = content.add_recording(
                db.session,
                storage(),
                version,
                segment_id,
                path,
                filename=filename,
                uploaded_by=current_user().id,
            )
        return recording, 201 if created else 200


@blp.route("/exercises/<name:slug>/versions/<int(min=1, max=1000000):number>/render")
class Render(MethodView):
    @writes
    @auth_required(*EDITORS)
    @blp.response(202, JobAcceptedSchema)
    @documents(404, 409, 503)
    @blp.doc(operationId="renderVersion")
    def post(self, slug, number):
        """Render every length of a version into audio, captions and timelines (a job)

        503 when the job queue cannot be reached: the version is marked failed (never left
        rendering) and can be rendered again once the queue is back."""
        version = content.find_version(db.session, slug, number)
        job_id = rendering.start_render(db.session, version, requested_by=current_user().id).id
        jobs().submit(job_id)
        return {"job": job_service.get_job(db.session, job_id)}


@blp.route("/exercises/<name:slug>/versions/<int(min=1, max=1000000):number>/publish")
class Publish(MethodView):
    @writes
    @auth_required(*EDITORS)
    @blp.response(200, VersionRefSchema)
    @documents(404, 409)
    @blp.doc(operationId="publishVersion")
    def post(self, slug, number):
        """Make a rendered version the one clients get; the switch is atomic"""
        version = content.find_version(db.session, slug, number)
        version = content.publish(db.session, version, published_by=current_user().id)
        return version

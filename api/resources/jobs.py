"""Background jobs (renders): their status and progress."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from api.extensions import db
from api.models import Role
from api.schemas.content import JobSchema
from api.security import auth_required, documents
from api.services import jobs

blp = Blueprint("jobs", __name__, url_prefix="/api/v1/jobs", description="Background jobs")


@blp.route("/<uuid:job_id>")
class JobById(MethodView):
    @auth_required(Role.EDITOR, Role.ADMIN)
    @blp.response(200, JobSchema)
    @documents(404)
    @blp.doc(operationId="getJob")
    def get(self, job_id):
        """A job's status (queued, running, succeeded, failed), progress 0–1 and error"""
        return jobs.get_job(db.session, job_id)

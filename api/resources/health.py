"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields

from api.services.health import run_checks

blp = Blueprint("health", __name__, description="Operations")


class HealthSchema(Schema):
    status = fields.String(required=True)
    checks = fields.Dict(keys=fields.String(), values=fields.String())


@blp.route("/healthz")
class Healthz(MethodView):
    @blp.response(200, HealthSchema)
    @blp.doc(operationId="getHealth")
    def get(self):
        """The process is up"""
        return {"status": "ok"}


@blp.route("/readyz")
class Readyz(MethodView):
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    @blp.doc(operationId="getReadiness")
    def get(self):
        """The database and storage are reachable"""
        checks = run_checks(current_app.extensions["interlude.readiness"])
        if any(result != "ok" for result in checks.values()):
            abort(
                503,
                message="Not ready: "
                + ", ".join(
                    f"{name}: {result}" for name, result in checks.items() if result != "ok"
                ),
                errors={"checks": checks},
            )
        return {"status": "ok", "checks": checks}

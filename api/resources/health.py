"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields

from api.registry import app_services
from api.services.health import run_checks

blp = Blueprint("health", __name__, description="Operations")


class HealthSchema(Schema):
    status = fields.String(required=True)
    checks = fields.Dict(keys=fields.String(), values=fields.String())


class IndexSchema(Schema):
    name = fields.String(required=True)
    version = fields.String(required=True)
    links = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"description": "docs, openapi, healthz, readyz"},
    )


@blp.route("/api/v1")
class Index(MethodView):
    @blp.response(200, IndexSchema)
    @blp.doc(operationId="getApiIndex")
    def get(self):
        """Where to start: the documentation, the OpenAPI document and the health checks"""
        return {
            "name": "Interlude API",
            "version": "v1",
            "links": {
                "docs": url_for("api-docs.openapi_swagger_ui"),
                "openapi": url_for("api-docs.openapi_json"),
                "healthz": url_for("health.Healthz"),
                "readyz": url_for("health.Readyz"),
            },
        }


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
        checks = run_checks(app_services().readiness)
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

"""Crisis contacts for "Need help now?", public so they show before signing in and offline."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from api.registry import app_services
from api.schemas.support import SupportSchema
from api.services.support import Support

blp = Blueprint("support", __name__, url_prefix="/api/v1", description="Help in a crisis")


@blp.route("/support")
class SupportContacts(MethodView):
    @blp.response(200, SupportSchema)
    @blp.doc(operationId="getSupport")
    def get(self):
        """Who to contact in a crisis, as this deployment lists them

        Set INTERLUDE_SUPPORT_CONTACTS to a JSON file of contacts; until then a clearly
        marked placeholder (`placeholder: true`) is answered. The app is not monitored, and
        the answer says so."""
        support: Support = app_services().support
        return support.as_json(), 200, {"Cache-Control": "public, max-age=300"}

"""The signed-in person's own profile."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from api.extensions import db
from api.resources.auth import clear_refresh_cookie
from api.resources.deps import now, passwords
from api.schemas.accounts import ChangePasswordSchema, MePatchSchema, MeSchema
from api.schemas.privacy import DeleteAccountSchema, ExportSchema
from api.security import auth_required, current_auth_session, current_user, documents
from api.services import accounts, privacy
from api.services.stats import today_for
from api.transactions import writes

blp = Blueprint("me", __name__, url_prefix="/api/v1/me", description="Your own account")


@blp.route("")
class Me(MethodView):
    @writes
    @auth_required()
    @blp.arguments(DeleteAccountSchema)
    @blp.response(204)
    @documents(409, 415)
    @blp.doc(operationId="deleteAccount")
    def delete(self, data):
        """Erase your account and everything in it (give your password to confirm)

        Practices, links, the access log and the account are deleted. Prescriptions a
        therapist wrote for you stay in their records, without you. The last enabled admin
        cannot erase their account (409): create another admin first."""
        privacy.erase_account(db.session, passwords(), current_user(), data["password"], clock=now)
        clear_refresh_cookie()

    @auth_required()
    @blp.response(200, MeSchema)
    @blp.doc(operationId="getMe")
    def get(self):
        """Your profile"""
        return current_user()

    @writes
    @auth_required()
    @blp.arguments(MePatchSchema, required=False)
    @blp.response(200, MeSchema)
    @blp.doc(operationId="updateMe")
    def patch(self, changes):
        """Change your display name, time zone or when your day starts"""
        user = accounts.update_profile(db.session, current_user(), changes)
        return user


@blp.route("/password")
class Password(MethodView):
    @writes
    @auth_required()
    @blp.arguments(ChangePasswordSchema)
    @blp.response(204)
    @documents(415)
    @blp.doc(operationId="changePassword")
    def post(self, data):
        """Change your password

        Every other session is signed out; this one stays signed in."""
        accounts.change_password(
            db.session, passwords(), current_user(), current_auth_session(), **data
        )


@blp.route("/export")
class Export(MethodView):
    @writes
    @auth_required()
    @blp.response(
        200,
        ExportSchema,
        headers={
            "Content-Disposition": {
                "description": "a download: interlude-export-YYYY-MM-DD.json (your today)",
                "schema": {"type": "string"},
            }
        },
    )
    @blp.doc(operationId="exportAccount")
    def get(self):
        """Everything stored about you, as one JSON document"""
        me = current_user()
        export = privacy.export_account(db.session, me, clock=now)
        name = f"interlude-export-{today_for(me, now).isoformat()}.json"
        return export, 200, {"Content-Disposition": f'attachment; filename="{name}"'}

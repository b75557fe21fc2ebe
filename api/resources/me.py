"""The signed-in person's own profile."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from api.extensions import db
from api.resources.deps import passwords
from api.schemas.accounts import MePatchSchema, MeSchema
from api.security import auth_required, current_auth_session, current_user
from api.services import accounts

blp = Blueprint("me", __name__, url_prefix="/api/v1/me", description="Your own account")


@blp.route("")
class Me(MethodView):
    @auth_required()
    @blp.response(200, MeSchema)
    def get(self):
        """Your profile"""
        return current_user()

    @auth_required()
    @blp.arguments(MePatchSchema)
    @blp.response(200, MeSchema)
    def patch(self, changes):
        """Change your profile or password

        Changing the password (give `current_password` too) signs out every other session."""
        user = accounts.update_profile(
            db.session, passwords(), current_user(), current_auth_session(), changes
        )
        db.session.commit()
        return user

"""Administration: staff accounts."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from api.extensions import db
from api.models import Role
from api.resources.deps import passwords
from api.schemas.accounts import CreateUserSchema, MeSchema
from api.security import auth_required, documents
from api.services import accounts
from api.transactions import writes

blp = Blueprint("admin", __name__, url_prefix="/api/v1/admin", description="Administration")


@blp.route("/users")
class Users(MethodView):
    @writes
    @auth_required(Role.ADMIN)
    @blp.arguments(CreateUserSchema)
    @blp.response(201, MeSchema)
    @documents(409, 415)
    @blp.doc(operationId="createUser")
    def post(self, data):
        """Create an account of any role (therapist, editor, admin, client)"""
        user = accounts.create_user(db.session, passwords(), **data)
        return user

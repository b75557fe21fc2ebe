"""Administration: staff accounts (create, list, disable, enable)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from api.extensions import db
from api.models import Role
from api.resources.deps import page_of, passwords
from api.schemas.accounts import CreateUserSchema, MeSchema, StaffQuerySchema, StaffSchema
from api.security import auth_required, current_user, documents
from api.services import accounts, staff
from api.transactions import writes

blp = Blueprint("admin", __name__, url_prefix="/api/v1/admin", description="Administration")


@blp.route("/users")
class Users(MethodView):
    @auth_required(Role.ADMIN)
    @blp.arguments(StaffQuerySchema, location="query")
    @blp.response(200, StaffSchema(many=True))
    @blp.paginate()
    @blp.doc(operationId="listStaff")
    def get(self, filters, pagination_parameters):
        """Staff accounts (therapists, editors, admins) by email, with whether each is disabled"""
        return page_of(staff.staff_query(**filters), pagination_parameters)

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


@blp.route("/users/<uuid:user_id>/disable")
class DisableUser(MethodView):
    @writes
    @auth_required(Role.ADMIN)
    @blp.response(200, StaffSchema)
    @documents(404, 409)
    @blp.doc(operationId="disableStaff")
    def post(self, user_id):
        """Disable a staff account: it cannot sign in, and its tokens stop working at once

        Disabling twice changes nothing. 409 for your own account and for the last enabled
        admin."""
        return staff.disable_account(db.session, current_user(), user_id)


@blp.route("/users/<uuid:user_id>/enable")
class EnableUser(MethodView):
    @writes
    @auth_required(Role.ADMIN)
    @blp.response(200, StaffSchema)
    @documents(404)
    @blp.doc(operationId="enableStaff")
    def post(self, user_id):
        """Let a disabled staff account sign in again (its earlier sessions stay ended)"""
        return staff.enable_account(db.session, user_id)

"""Registration, sign-in, token refresh and sign-out."""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from api.extensions import db
from api.models import Role
from api.ratelimit import enforce
from api.resources.deps import passwords, token_policy
from api.schemas.accounts import (
    MeSchema,
    RefreshRequestSchema,
    RegisterSchema,
    TokenRequestSchema,
    TokenSchema,
)
from api.security import auth_required, current_auth_session, documents
from api.services import accounts

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Accounts and tokens")


def _token_body(issued: accounts.IssuedTokens) -> dict[str, object]:
    return {
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
        "refresh_token": issued.refresh_token,
    }


@blp.route("/register")
class Register(MethodView):
    @blp.arguments(RegisterSchema)
    @blp.response(201, MeSchema)
    @documents(409, 415)
    def post(self, data):
        """Create a client account"""
        user = accounts.create_user(db.session, passwords(), role=Role.CLIENT, **data)
        db.session.commit()
        return user


@blp.route("/token")
class Token(MethodView):
    @blp.arguments(TokenRequestSchema)
    @blp.response(200, TokenSchema)
    @documents(401, 415, 429)
    def post(self, data):
        """Sign in with email and password

        Rate limited per account and per address (429 with Retry-After)."""
        config = current_app.config
        enforce(config["TOKEN_RATE_LIMIT_ADDRESS"], f"token-addr:{request.remote_addr}")
        email = accounts.normalise_email(data["email"])
        enforce(config["TOKEN_RATE_LIMIT_ACCOUNT"], f"token-acct:{email}")
        issued = accounts.sign_in(db.session, passwords(), token_policy(), **data)
        db.session.commit()
        return _token_body(issued)


@blp.route("/refresh")
class Refresh(MethodView):
    @blp.arguments(RefreshRequestSchema)
    @blp.response(200, TokenSchema)
    @documents(401, 415)
    def post(self, data):
        """Exchange a refresh token for a new pair

        Each refresh token works once; replaying a used one ends that sign-in everywhere."""
        try:
            issued = accounts.refresh_tokens(db.session, token_policy(), data["refresh_token"])
        finally:
            db.session.commit()  # a detected replay must stay revoked even though we answer 401
        return _token_body(issued)


@blp.route("/logout")
class Logout(MethodView):
    @auth_required()
    @blp.response(204)
    def post(self):
        """Sign out: this token pair and its refreshed successors stop working"""
        accounts.revoke_family(db.session, current_auth_session().family_id)
        db.session.commit()

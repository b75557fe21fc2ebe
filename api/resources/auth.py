"""Registration, sign-in, token refresh and sign-out."""

from __future__ import annotations

from flask import after_this_request, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import missing
from werkzeug.wrappers import Response

from api.extensions import db
from api.ratelimit import enforce, limiter
from api.resources.deps import now, passwords, token_policy
from api.schemas.accounts import (
    MessageSchema,
    PasswordResetConfirmSchema,
    PasswordResetRequestSchema,
    RefreshRequestSchema,
    RegisterSchema,
    TokenRequestSchema,
    TokenSchema,
)
from api.schemas.overlay import Overlay
from api.security import auth_required, current_auth_session, documents
from api.services import accounts, password_reset
from api.services.errors import Unauthorized
from api.transactions import writes

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Accounts and tokens")

# The web app's refresh token lives in this cookie, out of reach of any script on the page;
# it travels only to the refresh operation (the __Secure- prefix makes browsers insist on
# Secure, which they allow on http://127.0.0.1 and localhost as well as on https).
REFRESH_COOKIE = "__Secure-interlude-refresh"
REFRESH_COOKIE_PATH = "/api/v1/auth/refresh"


def _answer(issued: accounts.IssuedTokens, *, cookie: bool) -> object:
    """What TokenSchema dumps: the tokens, or, for the web app, the access token alone and
    the refresh token set as the cookie."""
    if not cookie:
        return issued
    _set_refresh_cookie(issued.refresh_token)
    return Overlay(issued, refresh_token=missing)


def _set_refresh_cookie(token: str) -> None:
    max_age = current_app.config["REFRESH_TOKEN_DAYS"] * 86400

    @after_this_request
    def set_cookie(response: Response) -> Response:
        response.set_cookie(
            REFRESH_COOKIE,
            token,
            max_age=max_age,
            path=REFRESH_COOKIE_PATH,
            secure=True,
            httponly=True,
            samesite="Strict",
        )
        return response


def clear_refresh_cookie() -> None:
    """Tell the browser to drop the refresh cookie (sign-out, a dead session, erasure)."""

    @after_this_request
    def clear(response: Response) -> Response:
        response.delete_cookie(
            REFRESH_COOKIE, path=REFRESH_COOKIE_PATH, secure=True, httponly=True, samesite="Strict"
        )
        return response


@blp.route("/register")
class Register(MethodView):
    @writes
    @blp.arguments(RegisterSchema)
    @blp.response(202, MessageSchema)
    @documents(415, 429)
    @blp.doc(operationId="registerAccount")
    def post(self, data):
        """Sign up as a client, then sign in

        The answer is the same whether or not the address already has an account, so that
        sign-up does not reveal who uses the service: sign in next with the same address and
        password. The owner of an address that has an account gets a mail saying someone tried
        (at most a few a day). Rate limited per client address and in total (429 with
        Retry-After), before any password is hashed."""
        config = current_app.config
        enforce(config["REGISTER_RATE_LIMIT_ADDRESS"], f"register-addr:{request.remote_addr}")
        enforce(config["REGISTER_RATE_LIMIT_TOTAL"], "register-all")
        email = accounts.normalise_email(data["email"])
        # Counted for every address alike; past it, an owner is not mailed about it again.
        notify = limiter.allows(config["SIGNUP_NOTICE_LIMIT"], f"signup-notice:{email}")
        message = accounts.register_client(
            db.session, passwords(), notify_owner=notify, clock=now, **data
        )
        return {"message": message}


@blp.route("/token")
class Token(MethodView):
    @writes
    @blp.arguments(TokenRequestSchema)
    @blp.response(200, TokenSchema)
    @documents(401, 415, 429)
    @blp.doc(operationId="signIn")
    def post(self, data):
        """Sign in with email and password

        Rate limited per account and per address (429 with Retry-After). With
        `refresh_cookie: true` (the web app) the refresh token is set as an HttpOnly cookie
        for the refresh operation instead of being returned."""
        config = current_app.config
        enforce(config["TOKEN_RATE_LIMIT_ADDRESS"], f"token-addr:{request.remote_addr}")
        email = accounts.normalise_email(data["email"])
        enforce(config["TOKEN_RATE_LIMIT_ACCOUNT"], f"token-acct:{email}")
        cookie = data.pop("refresh_cookie")
        issued = accounts.sign_in(db.session, passwords(), token_policy(), **data)
        return _answer(issued, cookie=cookie)


@blp.route("/refresh")
class Refresh(MethodView):
    @writes
    @blp.arguments(RefreshRequestSchema)
    @blp.response(200, TokenSchema)
    @documents(401, 415)
    @blp.doc(operationId="refreshTokens")
    def post(self, data):
        """Exchange a refresh token for a new pair

        Each refresh token works once; replaying a used one ends that sign-in everywhere.
        Without `refresh_token` in the body, the refresh cookie is used, and the new refresh
        token is set as the cookie again; a refused cookie is cleared."""
        token = data.get("refresh_token")
        cookie = token is None
        if cookie:
            token = request.cookies.get(REFRESH_COOKIE)
        try:
            if not token:
                raise Unauthorized("Sign in again: no refresh token was sent.")
            issued = accounts.refresh_tokens(db.session, token_policy(), token)
        except Unauthorized:
            if cookie:
                clear_refresh_cookie()
            raise
        return _answer(issued, cookie=cookie)


@blp.route("/logout")
class Logout(MethodView):
    @writes
    @auth_required()
    @blp.response(204)
    @blp.doc(operationId="signOut")
    def post(self):
        """Sign out: this token pair and its refreshed successors stop working

        The refresh cookie, if any, is cleared."""
        accounts.revoke_family(db.session, current_auth_session().family_id)
        clear_refresh_cookie()


@blp.route("/password-reset")
class PasswordReset(MethodView):
    @writes
    @blp.arguments(PasswordResetRequestSchema)
    @blp.response(202, MessageSchema)
    @documents(415, 429)
    @blp.doc(operationId="requestPasswordReset")
    def post(self, data):
        """Forgot your password? Ask for a link to choose a new one

        If the address has an account, a mail with a single-use link (valid 30 minutes) is
        sent; a newer link replaces older ones. The answer is the same whether or not the
        address has an account. Rate limited per address asked about and per client address
        (429 with Retry-After)."""
        config = current_app.config
        enforce(config["RESET_RATE_LIMIT_ADDRESS"], f"reset-addr:{request.remote_addr}")
        email = accounts.normalise_email(data["email"])
        enforce(config["RESET_RATE_LIMIT_ACCOUNT"], f"reset-acct:{email}")
        return {
            "message": password_reset.request_password_reset(db.session, email=email, clock=now)
        }


@blp.route("/password-reset/confirm")
class PasswordResetConfirm(MethodView):
    @writes
    @blp.arguments(PasswordResetConfirmSchema)
    @blp.response(204)
    @documents(404, 415, 429)
    @blp.doc(operationId="confirmPasswordReset")
    def post(self, data):
        """Choose a new password with the token from the mailed link

        The password follows the sign-up rules. Every session of the account ends (all
        refresh tokens stop working) and the account's owner gets a notice by mail. A used,
        expired or unknown token answers 404 with a message saying to ask for a new link."""
        enforce(
            current_app.config["RESET_CONFIRM_RATE_LIMIT"], f"reset-confirm:{request.remote_addr}"
        )
        password_reset.confirm_password_reset(db.session, passwords(), clock=now, **data)

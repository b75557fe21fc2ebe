"""What views hand to services, built from the app's configuration."""

from __future__ import annotations

from flask import current_app

from api.services.accounts import Passwords, TokenPolicy


def passwords() -> Passwords:
    passwords: Passwords = current_app.extensions["interlude.passwords"]
    return passwords


def token_policy() -> TokenPolicy:
    config = current_app.config
    return TokenPolicy(
        access_seconds=config["ACCESS_TOKEN_SECONDS"], refresh_days=config["REFRESH_TOKEN_DAYS"]
    )

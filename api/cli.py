"""`flask --app api ...` commands for operators."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from api.extensions import db
from api.models import Role
from api.services import accounts
from api.services.errors import ServiceError

users = AppGroup("users", help="Manage accounts.")


@users.command("create")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--display-name", default=None)
@click.option("--timezone", default="UTC", show_default=True)
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Prompted for when left out.",
)
def create_user(email: str, role: str, display_name: str | None, timezone: str, password: str):
    """Create an account (the first admin, therapists, editors)."""
    if not accounts.PASSWORD_MIN <= len(password) <= accounts.PASSWORD_MAX:
        raise click.BadParameter(
            f"use {accounts.PASSWORD_MIN} to {accounts.PASSWORD_MAX} characters",
            param_hint="--password",
        )
    try:
        user = accounts.create_user(
            db.session,
            current_app.extensions["interlude.passwords"],
            email=email,
            password=password,
            role=Role(role),
            display_name=display_name,
            timezone=timezone,
        )
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    click.echo(f"created {user.role.value} {user.email} ({user.id})")


def register_cli(app: Flask) -> None:
    app.cli.add_command(users)

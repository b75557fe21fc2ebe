"""`flask --app api ...` commands for operators."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import click
from cryptography.fernet import Fernet
from flask import Flask, current_app
from flask.cli import AppGroup
from marshmallow import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from tqdm import tqdm

from api import crypto, metrics
from api.errors import summarise_errors
from api.extensions import db
from api.models import Role
from api.registry import app_services
from api.schemas.accounts import CreateUserSchema
from api.services import accounts, library, push, push_send
from api.services.errors import ServiceError
from api.services.rendering import RenderSettings
from api.storage import S3Storage

# create_app, which takes the settings to use.
AppFactory = Callable[[dict[str, object]], Flask]

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
    given = {"email": email, "role": role, "timezone": timezone, "password": password}
    if display_name is not None:
        given["display_name"] = display_name
    try:  # the same rules as POST /admin/users
        data = CreateUserSchema().load(given)
    except ValidationError as error:
        summary = summarise_errors({"json": error.messages})
        raise click.UsageError(f"Please fix: {summary}") from None
    try:
        user = accounts.create_user(db.session, app_services().passwords, **data)
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"created {user.role.value} {user.email} ({user.id})")


push_group = AppGroup("push", help="Web Push (reminders).")


@push_group.command("keys")
def make_push_keys() -> None:
    """Print a new VAPID key pair to put in .env."""
    private, public = push.new_key_pair()
    click.echo(f"INTERLUDE_VAPID_PRIVATE_KEY={private}")
    click.echo("INTERLUDE_VAPID_SUBJECT=mailto:you@example.org")
    click.echo(f"# the application server key (GET /api/v1/push/public-key): {public}")


reminders_group = AppGroup("reminders", help="Reminders by Web Push.")
_concurrency = click.option(
    "--concurrency",
    type=click.IntRange(1, 256),
    default=16,
    show_default=True,
    help="Requests to push services at once.",
)


def _parse_shard(_context: object, _parameter: object, value: str) -> tuple[int, int]:
    try:
        share, shares = (int(part) for part in value.split("/"))
    except ValueError:
        share, shares = 0, 0
    if not 1 <= share <= shares:
        raise click.BadParameter(f"give K/N with 1 <= K <= N, such as 1/4; not {value!r}")
    return share - 1, shares


_shard = click.option(
    "--shard",
    default="1/1",
    show_default=True,
    callback=_parse_shard,
    help="K/N: send for the K-th of N shares of people (run N senders for more throughput).",
)


@reminders_group.command("send")
@_concurrency
@_shard
def send_reminders(concurrency: int, shard: tuple[int, int]) -> None:
    """Send every reminder due now, then exit (for cron or a systemd timer)."""
    click.echo(_send_once(concurrency, shard))


@reminders_group.command("run")
@_concurrency
@_shard
@click.option(
    "--every",
    type=click.IntRange(5, 3600),
    default=60,
    show_default=True,
    help="Seconds between runs.",
)
def run_reminders(concurrency: int, shard: tuple[int, int], every: int) -> None:
    """Send due reminders every minute until stopped (for a container).

    SIGTERM or SIGINT lets the run in progress finish (its requests time out within
    seconds), so a stopped container leaves no reminder half-sent."""
    stop = threading.Event()
    for name in (signal.SIGTERM, signal.SIGINT):
        signal.signal(name, lambda *_: stop.set())
    while not stop.is_set():
        started = time.monotonic()
        try:
            click.echo(_send_once(concurrency, shard))
        except click.ClickException as error:
            click.echo(f"Error: {error.message}", err=True)
        except SQLAlchemyError as error:  # the database was away: try again next time
            click.echo(
                f"Error: the database could not be reached ({type(error).__name__})", err=True
            )
        finally:
            db.session.remove()
        stop.wait(max(0.0, every - (time.monotonic() - started)))
    click.echo("stopped")


def _send_once(concurrency: int, shard: tuple[int, int]) -> str:
    settings = push.PushSettings.from_config(current_app.config)
    try:
        report = push_send.send_due(
            db.session,
            db.engine,
            settings,
            clock=app_services().clock,
            options=push_send.SendOptions(concurrency=concurrency, shard=shard),
        )
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    metrics.count_reminders(report.outcomes)
    return str(report)


keys = AppGroup("keys", help="Data keys: health data encrypted at rest (api/crypto.py).")


@keys.command("generate")
def generate_key() -> None:
    """Print a new data key, for the front of INTERLUDE_DATA_KEYS."""
    click.echo(Fernet.generate_key().decode("ascii"))


@keys.command("rotate")
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=500, show_default=True)
def rotate_data_keys(batch_size: int) -> None:
    """Re-encrypt stored notes with the newest key, a committed batch at a time. Safe to
    stop and run again: what the newest key already opens is skipped."""
    total = 0
    try:
        for column, changed in crypto.rotate_keys(
            db.engine.begin, crypto.current_keyring(), batch_size=batch_size
        ):
            total += changed
            click.echo(f"{column.table}.{column.column}: {total} re-encrypted so far")
    except crypto.DataKeyError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"done: {total} value(s) re-encrypted with the newest key")


def register_cli(app: Flask, app_factory: AppFactory) -> None:
    """The `users`, `keys`, `mail`, `content`, `push` and `reminders` commands. `app_factory`
    is `create_app`, handed in by it: each worker process of `content sync` builds the app
    again with it."""
    from api.mail_cli import mail

    app.cli.add_command(users)
    app.cli.add_command(keys)
    app.cli.add_command(mail)
    app.cli.add_command(push_group)
    app.cli.add_command(reminders_group)
    app.cli.add_command(_content_group(app_factory))


def _content_group(app_factory: AppFactory) -> AppGroup:
    group = AppGroup("content", help="The built-in exercise library.")

    @group.command("sync")
    @click.option(
        "--folder",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        default=None,
        help="Folder of *.yaml scripts (default: the project's content/).",
    )
    @click.option(
        "--jobs",
        type=click.IntRange(1, 16),
        default=None,
        help="Scripts rendered at once, each in a worker process (default: CPUs, at most 4).",
    )
    @click.option("--verbose", is_flag=True, help="Show the render log as well.")
    def sync_content(folder: Path | None, jobs: int | None, verbose: bool) -> None:
        """Import, render (only what changed) and publish every script in the library."""
        _sync_library(folder, jobs, verbose, app_factory)

    return group


def _sync_library(
    folder: Path | None, jobs: int | None, verbose: bool, app_factory: AppFactory
) -> None:
    if not verbose:
        logging.getLogger("interlude").setLevel(logging.WARNING)
    folder = folder or Path(current_app.config["CONTENT_DIR"])
    storage = app_services().storage
    if isinstance(storage, S3Storage):
        storage.ensure_bucket()
    paths = library.library_files(folder)
    if not paths:
        raise click.ClickException(f"no *.yaml scripts in {folder}")
    jobs = min(jobs or min(os.cpu_count() or 1, 4), len(paths))
    bar = tqdm(total=len(paths), unit="script", disable=not sys.stderr.isatty())
    with bar:
        if jobs == 1:
            outcomes = _sync_here(paths, bar)
        else:
            outcomes = _sync_in_workers(paths, jobs, verbose, bar, app_factory)
        failures = 0
        for outcome in outcomes:
            failures += outcome.action == library.SyncAction.FAILED
            bar.write(_describe(outcome))
    if failures:
        raise click.ClickException(f"{failures} script(s) could not be synced")


def _describe(outcome: library.SyncOutcome) -> str:
    line = f"{outcome.action.value:>9}  {outcome.slug or outcome.path.name}"
    if outcome.version is not None:
        line += f" v{outcome.version}"
    if outcome.message:
        line += f": {outcome.message}"
    return line


def _sync_here(paths: list[Path], bar: tqdm) -> Iterator[library.SyncOutcome]:
    storage = app_services().storage
    settings = RenderSettings.from_config(current_app.config)
    for path in paths:
        bar.set_description(path.stem[:28])
        start = bar.n

        def progress(fraction: float, start: float = start) -> None:
            bar.n = start + min(1.0, fraction)
            bar.refresh()

        outcome = library.sync_file(db.session, storage, settings, path, progress=progress)
        bar.n = start + 1
        bar.refresh()
        yield outcome


def _sync_in_workers(
    paths: list[Path], jobs: int, verbose: bool, bar: tqdm, app_factory: AppFactory
) -> Iterator[library.SyncOutcome]:
    # Workers get this app's exact settings, so they write to the same database and storage.
    config = {k: v for k, v in current_app.config.items() if k.isupper()}
    with ProcessPoolExecutor(
        jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(app_factory, config, verbose),  # the factory is pickled by its name
    ) as pool:
        pending = [pool.submit(_sync_in_worker, path) for path in paths]
        for future in as_completed(pending):
            bar.update(1)
            yield future.result()


_worker_app: Flask | None = None


def _start_worker(app_factory: AppFactory, config: dict[str, object], verbose: bool) -> None:
    global _worker_app
    _worker_app = app_factory(config)
    if not verbose:
        logging.getLogger("interlude").setLevel(logging.WARNING)


def _sync_in_worker(path: Path) -> library.SyncOutcome:
    assert _worker_app is not None, "the worker was not started with _start_worker"
    with _worker_app.app_context():
        settings = RenderSettings.from_config(_worker_app.config)
        storage = app_services(_worker_app).storage
        try:
            return library.sync_file(db.session, storage, settings, path)
        finally:
            db.session.remove()

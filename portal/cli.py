"""Flask commands: flask --app portal init-db | seed-demo | create-admin | sync-holidays | backup |
restore | rebuild-stats | bench-data."""

import os
import secrets

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from .extensions import db
from .models import Opd, Role, User


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create or upgrade the database schema (Alembic migrations)."""
    from flask import current_app
    from flask_migrate import upgrade

    from .extensions import init_migrations

    init_migrations(current_app)
    upgrade()
    click.echo("Database schema is up to date.")


@click.command("seed-demo")
@with_appcontext
@click.option("--password", envvar="DEMO_PASSWORD", default=None,
              help="Password of the demo staff accounts (default: DEMO_PASSWORD or a random one).")
def seed_demo_command(password):
    """Load the Bekasi demo data (idempotent: safe to run again)."""
    from .demo import seed

    password = password or secrets.token_urlsafe(12)
    counts = seed(password)
    click.echo("Demo data loaded: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    click.echo("Demo staff accounts (password below): admin@demo.bekasikota.go.id (city admin), "
               "disdukcapil@demo.bekasikota.go.id, dpmptsp@…, dinkes@…, bapenda@…, "
               "kec-bekasi-utara@demo.bekasikota.go.id")
    click.echo(f"Demo staff password: {password}")


@click.command("create-admin")
@with_appcontext
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.CITY_ADMIN.value,
              show_default=True)
@click.option("--opd", "opd_slug", default=None, help="OPD slug (required for opd_admin).")
@click.option("--password", envvar="ADMIN_PASSWORD", prompt=True, hide_input=True,
              confirmation_prompt=True, help="Read from ADMIN_PASSWORD when set.")
def create_admin_command(email, name, role, opd_slug, password):
    """Create a staff account (or reset its password)."""
    if len(password) < 10:
        raise click.BadParameter("use at least 10 characters", param_hint="password")
    opd = None
    if opd_slug:
        opd = db.session.scalar(select(Opd).filter_by(slug=opd_slug))
        if opd is None:
            raise click.BadParameter(f"unknown OPD {opd_slug!r}", param_hint="--opd")
    if role == Role.OPD_ADMIN and opd is None:
        raise click.BadParameter("an opd_admin needs --opd", param_hint="--opd")
    email = email.strip().lower()
    user = db.session.scalar(select(User).filter_by(email=email))
    created = user is None
    if created:
        user = User(email=email)
        db.session.add(user)
    user.name, user.role, user.opd = name, role, opd
    user.set_password(password)
    user.failed_logins = 0
    from . import audit

    audit.record("user.create" if created else "user.password_reset", user, opd_id=user.opd_id,
                 after={"email": email, "role": role, "opd": opd_slug}, summary=f"CLI: {email}")
    db.session.commit()
    click.echo(f"{'Created' if created else 'Updated'} {role} {email}.")


@click.command("sync-holidays")
@with_appcontext
@click.argument("years", nargs=-1, type=int)
def sync_holidays_command(years):
    """Load national holidays and cuti bersama for YEARS (default: this year and the next)."""
    from .clock import today
    from .holiday_sync import sync_holidays

    years = years or (today().year, today().year + 1)
    added, updated = sync_holidays(years)
    click.echo(f"Holidays for {', '.join(map(str, years))}: {added} added, {updated} updated.")


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False))
def backup_command(path):
    """Write a consistent copy of the database to PATH while the portal keeps running."""
    from .backup import BackupError, backup

    try:
        written = backup(db.engine, path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backup written to {written} ({written.stat().st_size} bytes).")


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="Replace the content of a database that is not empty.")
def restore_command(path, force):
    """Restore the backup PATH into an empty database (stop the portal first)."""
    from .backup import BackupError, restore

    db.session.remove()
    try:
        restore(db.engine, path, force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored {path}.")


COMMANDS = [init_db_command, seed_demo_command, create_admin_command, sync_holidays_command, backup_command,
            restore_command]


def register(app) -> None:
    from .demo.bench import bench_data_command

    for command in [*COMMANDS, bench_data_command]:
        app.cli.add_command(command)

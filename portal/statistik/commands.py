"""flask --app portal import-outputs FILE [--dry-run]: the staff CSV import, from the command line."""

import click
from flask import current_app

from .. import outputs
from ..clock import today
from ..extensions import db
from .views import bp


@bp.cli.command("import-outputs")
@click.argument("file", type=click.File("rb"))
@click.option("--dry-run", is_flag=True, help="Check the file and show what would be stored; store nothing.")
def import_outputs_command(file, dry_run):
    """Import daily output records from a CSV file (all lines or none; see the template in the staff area)."""
    data = file.read(outputs.MAX_BYTES + 1)
    with current_app.test_request_context():  # messages in the portal's language need a locale
        plan = outputs.plan_import(data, getattr(file, "name", "stdin"), None, today())
        _report_and_store(plan, dry_run)


def _report_and_store(plan, dry_run: bool) -> None:
    for message in plan.errors:
        click.echo(message, err=True)
    for rejected in plan.rejected:
        click.echo(f"line {rejected.line}: " + " ".join(rejected.reasons), err=True)
    for row in plan.having("changed"):
        click.echo(f"line {row.line}: correction {row.day} {row.opd.slug} {row.mode} {row.indicator.slug}: "
                   f"{row.before} -> {row.values()}")
    counts = plan.counts
    summary = (f"{counts['new']} new, {counts['changed']} corrected, {counts['unchanged']} already stored, "
               f"{counts['rejected']} rejected")
    if not plan.ok:
        raise click.ClickException(f"Nothing stored: {summary}.")
    if dry_run:
        click.echo(f"Dry run, nothing stored: {summary}.")
        return
    outputs.apply_import(plan, None, via="cli")
    db.session.commit()
    click.echo(f"Imported: {summary}.")

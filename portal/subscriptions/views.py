"""/langganan: subscribe to units, an agency or a kecamatan; confirm; unsubscribe (one click).

Every answer is ``no-store`` (portal/http_cache.py) and none tells whether an address was
already known: subscribing answers the same in every case."""

from __future__ import annotations

import click
from flask import Blueprint, current_app, request
from flask_babel import gettext as _
from sqlalchemy import select

from .. import htmx
from ..errors import bad_request, not_found
from ..extensions import csrf, db, limiter
from ..i18n import lang
from ..models import Kecamatan, Opd, ServiceUnit
from ..params import slug_arg
from ..reports import service as reports_service
from . import service, watch
from .forms import ButtonForm, SubscribeForm

bp = Blueprint("subscriptions", __name__, cli_group=None)


@bp.record_once
def watch_staff_changes(state) -> None:
    watch.register(state.app)


def subscribe_limit() -> str:
    return current_app.config["SUBSCRIBE_RATE_LIMIT"]


def choices() -> dict:
    return {
        "units": reports_service.active_units(),
        "opds": db.session.scalars(select(Opd).where(Opd.units.any(ServiceUnit.active.is_(True)))
                                   .order_by(Opd.short_name)).all(),
        "kecamatans": db.session.scalars(select(Kecamatan).order_by(Kecamatan.name)).all(),
    }


@bp.route("/langganan", methods=["GET", "POST"])
@limiter.limit(subscribe_limit, methods=["POST"])
def index():
    """The subscription form; a valid request is answered alike whether the address is known or not."""
    status = 200
    if request.method == "POST":
        form = SubscribeForm(**choices())
        if form.validate():
            if not form.website.data:  # a filled honeypot: answered alike, nothing stored or sent
                units, opd, kecamatan = form.chosen()
                service.subscribe(form.email.data, lang(), service.Wanted(units, opd, kecamatan))
            return htmx.render("subscriptions/index.html", "form", sent=True, form=form,
                               hours=current_app.config["SUBSCRIBE_CONFIRM_HOURS"])
        status = htmx.error_status()
    else:
        form = SubscribeForm(formdata=None, **choices())
        unit = slug_arg("unit", ServiceUnit, _("service unit"))
        opd = slug_arg("opd", Opd, _("agency (OPD)"))
        kecamatan = slug_arg("kecamatan", Kecamatan, _("kecamatan"))
        form.units.data = [unit.slug] if unit is not None else []
        form.opd.data = opd.slug if opd is not None else ""
        form.kecamatan.data = kecamatan.slug if kecamatan is not None else ""
    return htmx.render("subscriptions/index.html", "form", status=status, sent=False, form=form,
                       hours=current_app.config["SUBSCRIBE_CONFIRM_HOURS"])


def invalid_link(error: service.InvalidLink):
    if isinstance(error, service.ExpiredLink):
        bad_request(_("This confirmation link has expired (it is valid for %(hours)d hours). "
                      "Subscribe again to get a new one.", hours=current_app.config["SUBSCRIBE_CONFIRM_HOURS"]))
    not_found(_("This link does not work (any more): it is incomplete, or the subscription was "
                "cancelled."))


@bp.route("/langganan/konfirmasi/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """Confirm a subscription: the e-mailed link shows a button (mail scanners open links, but do not press buttons)."""
    try:
        subscriber, _signed_at = service.subscriber_for_confirmation(token)
    except service.InvalidLink as error:
        invalid_link(error)
    form = ButtonForm()
    if request.method == "POST":
        if not form.validate():
            bad_request(_("The form has expired. Open the link from the e-mail again."))
        subscriber = service.confirm(token, lang())
        return htmx.render("subscriptions/confirmed.html", targets=confirmed(subscriber))
    return htmx.render("subscriptions/confirm.html", form=form, token=token,
                       targets=[target for target in subscriber.targets if target.confirmed_at is None])


def confirmed(subscriber):
    return [target for target in subscriber.targets if target.confirmed_at is not None]


@bp.route("/langganan/berhenti/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: mail programs POST "List-Unsubscribe=One-Click" to this URL, without a form
def unsubscribe(token: str):
    """Unsubscribe: the link shows a button; a POST (the button, or a mail program) erases the address."""
    try:
        service.unsubscribe_target(token)
        if request.method == "POST":
            service.unsubscribe(token)
            return htmx.render("subscriptions/unsubscribed.html")
    except service.InvalidLink as error:
        invalid_link(error)
    return htmx.render("subscriptions/unsubscribe.html", token=token)


@bp.cli.command("send-mail")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Send at most this many messages (default: the MAIL_BATCH setting).")
@click.option("--retry-dead", is_flag=True, help="Give the dead messages a new round of attempts first.")
def send_mail_command(limit, retry_dead):
    """Send the queued e-mails that are due; erase expired unconfirmed subscriptions."""
    from ..mail import outbox

    if retry_dead:
        click.echo(f"{outbox.retry_dead()} dead message(s) queued again.")
    erased = service.purge_unconfirmed()
    dead_erased = outbox.purge_dead(current_app.config["MAIL_DEAD_KEEP_DAYS"])
    result = outbox.send_due(limit=limit)
    state = outbox.queue_state()
    click.echo(f"Sent {result.sent}, failed {result.failed} (given up: {result.died}). "
               f"Queue: {state.pending} pending ({state.due} due, {state.retrying} retrying), "
               f"{state.dead} dead. Erased: {erased} unconfirmed address(es), {dead_erased} old dead message(s).")
    if result.error:
        click.echo(f"SMTP server {current_app.config['MAIL_SERVER']}:{current_app.config['MAIL_PORT']} "
                   f"not usable: {result.error}", err=True)
    if result.failed:
        raise SystemExit(1)

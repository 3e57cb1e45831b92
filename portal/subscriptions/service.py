"""Subscribe (double opt-in), confirm, unsubscribe; the e-mails told when a followed unit's
published status changes and when a watched report is answered.

No request in here beyond what rendering a link needs; every message goes to the mail queue
(portal/mail) in the caller's transaction or in one committed here, never to SMTP directly.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, g, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from .. import availability, schedule
from ..clock import now, today
from ..extensions import db
from ..mail import outbox
from ..mail.models import OutboxMessage
from ..models import Kecamatan, Opd, Report, ReportStatus, ServiceUnit
from ..urls import external_url
from .models import ReportWatch, Subscriber, SubscriptionTarget

CONFIRM_SALT = "subscription-confirm"
UNSUBSCRIBE_SALT = "subscription-unsubscribe"
SUBSCRIBER, REPORT_WATCH = "s", "r"


class InvalidLink(ValueError):
    """A confirmation or unsubscribe link that was altered, or whose subscription is gone."""


class ExpiredLink(InvalidLink):
    """A confirmation link older than SUBSCRIBE_CONFIRM_HOURS."""


# --- addresses and links -----------------------------------------------------------------------

def normalize(email: str) -> str:
    return email.strip().lower()


def address_hash(email: str) -> str:
    """A keyed hash of the address: finds a subscriber without searching by the address itself."""
    key = hmac.new(current_app.secret_key.encode(), b"subscriber-address", hashlib.sha256).digest()
    return hmac.new(key, normalize(email).encode(), hashlib.sha256).hexdigest()


def serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=salt)


def confirm_url(subscriber: Subscriber, language: str) -> str:
    token = serializer(CONFIRM_SALT).dumps([subscriber.id, subscriber.nonce])
    return external_url("subscriptions.confirm", token=token, lang=language)


def unsubscribe_url(kind: str, row: Subscriber | ReportWatch) -> str:
    token = serializer(UNSUBSCRIBE_SALT).dumps([kind, row.id, row.nonce])
    return external_url("subscriptions.unsubscribe", token=token, lang=row.language)


def confirm_hours() -> int:
    return current_app.config["SUBSCRIBE_CONFIRM_HOURS"]


@contextmanager
def in_language(language: str) -> Iterator[None]:
    """Render in ``language`` inside a request that may speak another one (the per-request
    caches of worded statuses would mix the languages)."""
    saved = {name: g.pop(name, None) for name in ("explanations", "status_words")}
    try:
        with force_locale(language):
            yield
    finally:
        for name, value in saved.items():
            g.pop(name, None)
            if value is not None:
                setattr(g, name, value)


# --- subscribing -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Wanted:
    """What a visitor asked to follow."""
    units: Sequence[ServiceUnit] = ()
    opd: Opd | None = None
    kecamatan: Kecamatan | None = None

    def targets(self) -> list[dict]:
        found = [{"unit_id": unit.id} for unit in self.units]
        if self.opd is not None:
            found.append({"opd_id": self.opd.id})
        if self.kecamatan is not None:
            found.append({"kecamatan_id": self.kecamatan.id})
        return found


def target_key(target: SubscriptionTarget) -> tuple:
    return (target.unit_id, target.opd_id, target.kecamatan_id)


def subscribe(email: str, language: str, wanted: Wanted) -> bool:
    """Store the wish as pending and queue a confirmation e-mail; commit.

    The visitor's answer is the same whether the address was known or not. Returns whether a
    confirmation e-mail was queued (False beyond SUBSCRIBE_CONFIRMATIONS_PER_DAY for the address)."""
    subscriber = subscriber_for(email, language)
    existing = {target_key(target): target for target in subscriber.targets}
    at = now()
    for values in wanted.targets():
        key = (values.get("unit_id"), values.get("opd_id"), values.get("kecamatan_id"))
        target = existing.get(key)
        if target is None:
            subscriber.targets.append(SubscriptionTarget(requested_at=at, **values))
        elif target.confirmed_at is None:
            target.requested_at = at
    queued = may_send_confirmation(subscriber)
    if queued:
        with in_language(language):
            outbox.enqueue(subscriber.email, _("Confirm your subscription: Portal Layanan Kota Bekasi"),
                           render_template("mail/confirm.txt", wanted=wanted, hours=confirm_hours(),
                                           confirm_url=confirm_url(subscriber, language),
                                           unsubscribe_url=unsubscribe_url(SUBSCRIBER, subscriber)),
                           kind="confirm", unsubscribe_url=unsubscribe_url(SUBSCRIBER, subscriber),
                           subscriber_id=subscriber.id)
    db.session.commit()
    return queued


def subscriber_for(email: str, language: str) -> Subscriber:
    """The subscriber of this address, made when new (two requests at once: the second reads the first)."""
    digest = address_hash(email)
    for _attempt in range(2):
        subscriber = db.session.scalar(select(Subscriber).filter_by(email_hash=digest))
        if subscriber is not None:
            return subscriber
        subscriber = Subscriber(email=email.strip(), email_hash=digest, language=language,
                                nonce=secrets.token_hex(16), confirmations_sent=0)
        db.session.add(subscriber)
        try:
            db.session.flush()
            return subscriber
        except IntegrityError:
            db.session.rollback()
    raise RuntimeError("subscriber could not be stored")


def may_send_confirmation(subscriber: Subscriber) -> bool:
    """At most SUBSCRIBE_CONFIRMATIONS_PER_DAY confirmation e-mails a day to one address: the
    form cannot be used to flood someone's mailbox."""
    day = today().isoformat()
    if subscriber.confirmations_on != day:
        subscriber.confirmations_on, subscriber.confirmations_sent = day, 0
    if subscriber.confirmations_sent >= current_app.config["SUBSCRIBE_CONFIRMATIONS_PER_DAY"]:
        return False
    subscriber.confirmations_sent += 1
    return True


def load_signed(token: str, salt: str, max_age: int | None = None) -> tuple[list, datetime | None]:
    try:
        if max_age is None:
            return serializer(salt).loads(token), None
        value, signed_at = serializer(salt).loads(token, max_age=max_age, return_timestamp=True)
        return value, signed_at
    except SignatureExpired:
        raise ExpiredLink(token) from None
    except BadSignature:
        raise InvalidLink(token) from None


def subscriber_for_confirmation(token: str) -> tuple[Subscriber, datetime]:
    value, signed_at = load_signed(token, CONFIRM_SALT, max_age=confirm_hours() * 3600)
    subscriber = find_signed(Subscriber, value, expected_kind=None)
    return subscriber, signed_at


def find_signed(model, value, expected_kind: str | None):
    if expected_kind is not None:
        if not (isinstance(value, list) and len(value) == 3 and value[0] == expected_kind):
            raise InvalidLink("kind")
        value = value[1:]
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], int)):
        raise InvalidLink("shape")
    row = db.session.get(model, value[0])
    if row is None or not hmac.compare_digest(row.nonce, str(value[1])):
        raise InvalidLink("gone")
    return row


def confirm(token: str, language: str) -> Subscriber:
    """Confirm what the subscriber asked for up to the moment the link was made; commit."""
    subscriber, signed_at = subscriber_for_confirmation(token)
    at = now()
    for target in subscriber.targets:
        if target.confirmed_at is None and target.requested_at <= signed_at + timedelta(seconds=1):
            target.confirmed_at = at
    subscriber.language = language
    db.session.commit()
    return subscriber


def unsubscribe_target(token: str) -> Subscriber | ReportWatch:
    value, _signed_at = load_signed(token, UNSUBSCRIBE_SALT)
    kind = value[0] if isinstance(value, list) and value else None
    model = {SUBSCRIBER: Subscriber, REPORT_WATCH: ReportWatch}.get(kind)
    if model is None:
        raise InvalidLink("kind")
    return find_signed(model, value, expected_kind=kind)


def unsubscribe(token: str) -> None:
    """Erase the subscriber (address, everything she follows, messages not yet sent) or the
    report watch the link belongs to; commit. InvalidLink when it is already gone."""
    row = unsubscribe_target(token)
    column = (OutboxMessage.subscriber_id if isinstance(row, Subscriber) else OutboxMessage.report_watch_id)
    db.session.execute(delete(OutboxMessage).where(column == row.id).execution_options(synchronize_session=False))
    db.session.delete(row)
    db.session.commit()


def purge_unconfirmed(at: datetime | None = None) -> int:
    """Erase wishes never confirmed within SUBSCRIBE_CONFIRM_HOURS, and addresses left with
    nothing to follow; commit. Returns the number of addresses erased."""
    cutoff = (at or now()) - timedelta(hours=confirm_hours())
    db.session.execute(delete(SubscriptionTarget).where(
        SubscriptionTarget.confirmed_at.is_(None), SubscriptionTarget.requested_at < cutoff)
        .execution_options(synchronize_session=False))
    empty = select(Subscriber.id).where(
        Subscriber.created_at < cutoff,
        ~select(SubscriptionTarget.id).where(SubscriptionTarget.subscriber_id == Subscriber.id).exists())
    ids = db.session.scalars(empty).all()
    if ids:
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.subscriber_id.in_(ids))
                           .execution_options(synchronize_session=False))
        db.session.execute(delete(Subscriber).where(Subscriber.id.in_(ids))
                           .execution_options(synchronize_session=False))
    db.session.commit()
    return len(ids)


# --- availability changes ------------------------------------------------------------------

@dataclass
class Snapshot:
    """The published status of the followed units for the coming days, before a staff action."""
    start: date
    days: int
    units: dict[int, schedule.Unit]
    calendar: schedule.Calendar


def confirmed_targets():
    return select(SubscriptionTarget).where(SubscriptionTarget.confirmed_at.is_not(None))


def followed_units() -> list[ServiceUnit]:
    """Active units that at least one confirmed subscription covers."""
    targets = confirmed_targets().subquery()
    return db.session.scalars(
        select(ServiceUnit).where(ServiceUnit.active.is_(True)).where(or_(
            ServiceUnit.id.in_(select(targets.c.unit_id)),
            ServiceUnit.opd_id.in_(select(targets.c.opd_id)),
            ServiceUnit.kecamatan_id.in_(select(targets.c.kecamatan_id))))
        .options(joinedload(ServiceUnit.opd))
    ).unique().all()


def snapshot() -> Snapshot | None:
    """None when nobody follows anything (then a staff action costs one query)."""
    if db.session.scalar(confirmed_targets().limit(1)) is None:
        return None
    units = followed_units()
    if not units:
        return None
    start, days = today(), current_app.config["SUBSCRIBE_NOTIFY_DAYS"]
    calendar = availability.load_calendar(start, start + timedelta(days=days - 1), [unit.id for unit in units])
    return Snapshot(start, days, {unit.id: unit.as_schedule_unit() for unit in units}, calendar)


def changes_since(before: Snapshot) -> dict[int, list[schedule.DayStatus]]:
    """Unit id -> the days whose published status differs now from the snapshot (new status)."""
    db.session.expire_all()  # what the staff action committed, not what this session remembers
    units = {unit.id: unit for unit in db.session.scalars(
        select(ServiceUnit).where(ServiceUnit.id.in_(before.units), ServiceUnit.active.is_(True)))}
    calendar = availability.load_calendar(before.start, before.start + timedelta(days=before.days - 1),
                                          list(units))
    changed: dict[int, list[schedule.DayStatus]] = {}
    for unit_id, old_facts in before.units.items():
        unit = units.get(unit_id)
        if unit is None:
            continue
        facts = unit.as_schedule_unit()
        days = [new for old, new in zip(before.calendar.days(old_facts, before.start, before.days),
                                        calendar.days(facts, before.start, before.days), strict=True)
                if old.status is not new.status]
        if days:
            changed[unit_id] = days
    return changed


def notify_changes(before: Snapshot) -> int:
    """One e-mail per subscriber who follows a unit whose status changed since ``before``
    (one staff action), in her language; commit. Returns the number of e-mails queued."""
    changed = changes_since(before)
    if not changed:
        return 0
    units = {unit.id: unit for unit in db.session.scalars(
        select(ServiceUnit).where(ServiceUnit.id.in_(changed))
        .options(joinedload(ServiceUnit.opd), joinedload(ServiceUnit.kecamatan))).unique()}
    targets = db.session.scalars(
        confirmed_targets().where(or_(
            SubscriptionTarget.unit_id.in_(changed),
            SubscriptionTarget.opd_id.in_({unit.opd_id for unit in units.values()}),
            SubscriptionTarget.kecamatan_id.in_({unit.kecamatan_id for unit in units.values()})))
        .options(joinedload(SubscriptionTarget.subscriber))
    ).all()
    followed: dict[int, set[int]] = defaultdict(set)
    subscribers: dict[int, Subscriber] = {}
    for target in targets:
        subscribers[target.subscriber_id] = target.subscriber
        followed[target.subscriber_id].update(unit_id for unit_id, unit in units.items() if target.covers(unit))
    rendered: dict[tuple, tuple[str, str]] = {}  # one rendering per language and set of units
    for subscriber_id, unit_ids in followed.items():
        subscriber = subscribers[subscriber_id]
        key = (subscriber.language, frozenset(unit_ids))
        if key not in rendered:
            items = sorted(((units[unit_id], changed[unit_id]) for unit_id in unit_ids),
                           key=lambda item: item[0].name)
            rendered[key] = render_digest(subscriber.language, items)
        subject, body = rendered[key]
        link = unsubscribe_url(SUBSCRIBER, subscriber)
        outbox.enqueue(subscriber.email, subject, body.replace(UNSUBSCRIBE_PLACEHOLDER, link), kind="digest",
                       unsubscribe_url=link, subscriber_id=subscriber.id)
    db.session.commit()
    return len(followed)


UNSUBSCRIBE_PLACEHOLDER = "\x00unsubscribe\x00"


def render_digest(language: str, items: list[tuple[ServiceUnit, list[schedule.DayStatus]]]) -> tuple[str, str]:
    """(subject, body) of a digest; the body holds UNSUBSCRIBE_PLACEHOLDER for the subscriber's link."""
    with in_language(language):
        first = items[0][0].name
        subject = (_("Service status changed: %(unit)s", unit=first) if len(items) == 1
                   else _("Service status changed: %(unit)s and %(num)d more", unit=first, num=len(items) - 1))
        body = render_template("mail/digest.txt", items=items,
                               unit_url=lambda unit: external_url("public.unit", slug=unit.slug, lang=language),
                               subscribe_url=external_url("subscriptions.index", lang=language),
                               unsubscribe_url=UNSUBSCRIBE_PLACEHOLDER)
    return subject, body


# --- report answers ------------------------------------------------------------------------

def watch_report(report: Report, email: str, language: str) -> ReportWatch:
    """The reporter wants an e-mail when her report gets a public answer; commit."""
    watch = ReportWatch(report_id=report.id, email=email.strip(), language=language,
                        nonce=secrets.token_hex(16))
    db.session.add(watch)
    db.session.commit()
    return watch


def report_answered(report: Report, status: str, message: str) -> int:
    """Queue the public answer for whoever watches ``report`` (in the staff's transaction)."""
    if report.is_spam or not message:
        return 0
    from ..reports.words import STATUS_LABELS  # reports import this module: not at the top

    watches = db.session.scalars(select(ReportWatch).filter_by(report_id=report.id)).all()
    for watch in watches:
        with in_language(watch.language):
            outbox.enqueue(
                watch.email, _("Answer to your report %(code)s", code=report.code),
                render_template("mail/report_answer.txt", report=report, message=message,
                                status=STATUS_LABELS[ReportStatus(status)],
                                track_url=external_url("reports.track", code=report.code, lang=watch.language),
                                unsubscribe_url=unsubscribe_url(REPORT_WATCH, watch)),
                kind="report_answer", unsubscribe_url=unsubscribe_url(REPORT_WATCH, watch),
                report_watch_id=watch.id)
    return len(watches)


def forget_report_watchers(report: Report) -> None:
    """With the reporter's contact data, her wish to be e-mailed goes too (and its queued mail)."""
    ids = db.session.scalars(select(ReportWatch.id).filter_by(report_id=report.id)).all()
    if ids:
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.report_watch_id.in_(ids))
                           .execution_options(synchronize_session=False))
        db.session.execute(delete(ReportWatch).where(ReportWatch.id.in_(ids))
                           .execution_options(synchronize_session=False))

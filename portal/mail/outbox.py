"""Queue a message (inside the caller's transaction) and send the due ones over SMTP.

Python's own ``smtplib`` and ``email`` do the work: the portal sends a few plain-text messages
and needs nothing a library would add (README, "Dependencies").
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid, parseaddr

from flask import current_app
from prometheus_client import Gauge
from sqlalchemy import delete, func, select, update

from ..clock import now
from ..extensions import db
from .models import DEAD, PENDING, OutboxMessage

QUEUE_GAUGE = Gauge("portal_mail_queue_messages",
                    "E-mail messages in the queue: pending (waiting or retrying) and dead (given up).",
                    ["state"], multiprocess_mode="mostrecent")

# RFC 5322 allows 998 characters a line: a List-Unsubscribe URL stays one plain <…> (with the
# default 78 it would become an encoded word, which mail programs do not read as a URL).
POLICY = SMTP.clone(max_line_length=998)

# SMTP errors that concern the server or the connection, not one message: every due message waits.
CONNECTION_ERRORS = (OSError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError,
                     smtplib.SMTPHeloError, smtplib.SMTPAuthenticationError, smtplib.SMTPNotSupportedError)


def enqueue(recipient: str, subject: str, body: str, kind: str, unsubscribe_url: str | None = None,
            subscriber_id: int | None = None, report_watch_id: int | None = None) -> OutboxMessage:
    """Put a message in the queue; the caller commits. ``send-mail`` sends it."""
    message = OutboxMessage(recipient=recipient, subject=subject[:300], body=body, kind=kind,
                            unsubscribe_url=unsubscribe_url, subscriber_id=subscriber_id,
                            report_watch_id=report_watch_id, state=PENDING, attempts=0,
                            next_attempt_at=now())
    db.session.add(message)
    return message


# --- sending ---------------------------------------------------------------------------------

def sender_address() -> str:
    return current_app.config["MAIL_FROM"]


def as_email(message: OutboxMessage) -> EmailMessage:
    """The message as sent: plain text, UTF-8, with RFC 8058 one-click unsubscribe headers."""
    email = EmailMessage(policy=POLICY)
    email["From"] = sender_address()
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = formatdate(usegmt=True)
    domain = parseaddr(sender_address())[1].rpartition("@")[2] or "localhost"
    email["Message-ID"] = make_msgid(domain=domain)
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
    if message.unsubscribe_url:
        email["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(message.body)
    return email


def connect() -> smtplib.SMTP:
    """An SMTP connection with the MAIL_* settings (SSL, or STARTTLS, and a login when configured)."""
    config = current_app.config
    timeout = config["MAIL_TIMEOUT"]
    if config["MAIL_USE_SSL"]:
        connection = smtplib.SMTP_SSL(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout,
                                      context=ssl.create_default_context())
    else:
        connection = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
        if config["MAIL_USE_TLS"]:
            connection.starttls(context=ssl.create_default_context())
    if config["MAIL_USERNAME"]:
        connection.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    return connection


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off: MAIL_RETRY_SECONDS after the first failure, doubling, at most
    MAIL_RETRY_MAX_SECONDS."""
    config = current_app.config
    seconds = config["MAIL_RETRY_SECONDS"] * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, config["MAIL_RETRY_MAX_SECONDS"]))


def describe(error: Exception) -> str:
    """What operators see of a failure (never the address: a refused recipient is not repeated)."""
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error.decode("utf-8", "replace") if isinstance(error.smtp_error, bytes) else str(error.smtp_error)
        return f"{type(error).__name__} {error.smtp_code}: {text}"[:300]
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _text in error.recipients.values()})
        return f"SMTPRecipientsRefused {codes}"[:300]
    return f"{type(error).__name__}: {error}"[:300]


def permanent(error: Exception) -> bool:
    """A 5xx answer about this message (refused recipient, refused content): retrying won't help."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _text in error.recipients.values())
    return isinstance(error, (smtplib.SMTPDataError, smtplib.SMTPSenderRefused)) and error.smtp_code >= 500


def record_failure(message: OutboxMessage, error: Exception, at: datetime, give_up: bool = False) -> None:
    message.attempts += 1
    message.last_error = describe(error)
    if give_up or message.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        message.state = DEAD
    else:
        message.next_attempt_at = at + retry_delay(message.attempts)


@dataclass
class RunResult:
    sent: int = 0
    failed: int = 0  # attempts that failed (the messages wait for a retry, or are dead now)
    died: int = 0  # messages given up in this run
    error: str | None = None  # why the server could not be used, when it could not


def due_query(at: datetime):
    return (select(OutboxMessage)
            .where(OutboxMessage.state == PENDING, OutboxMessage.next_attempt_at <= at)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id))


def send_due(limit: int | None = None, at: datetime | None = None) -> RunResult:
    """Send the messages that are due, one transaction per message (a message is deleted in the
    transaction that follows its acceptance by the server). Two senders never take the same row
    on PostgreSQL (SKIP LOCKED); on SQLite run one sender at a time (the timer does)."""
    at = at or now()
    limit = limit or current_app.config["MAIL_BATCH"]
    result = RunResult()
    connection = None
    try:
        while result.sent + result.failed < limit:
            message = db.session.scalar(due_query(at).limit(1).with_for_update(skip_locked=True))
            if message is None:
                break
            try:
                if connection is None:
                    connection = connect()
                connection.send_message(as_email(message))
            except CONNECTION_ERRORS as error:
                result.error = describe(error)
                failed = postpone_all_due(error, at)
                result.failed += failed[0]
                result.died += failed[1]
                connection = None
                break
            except smtplib.SMTPException as error:
                record_failure(message, error, at, give_up=permanent(error))
                result.failed += 1
                result.died += message.state == DEAD
                db.session.commit()
                continue
            db.session.delete(message)
            db.session.commit()
            result.sent += 1
    finally:
        db.session.rollback()
        if connection is not None:
            try:
                connection.quit()
            except (smtplib.SMTPException, OSError):
                connection.close()
    return result


def postpone_all_due(error: Exception, at: datetime) -> tuple[int, int]:
    """The server cannot be reached: every due message counts a failed attempt and waits."""
    db.session.rollback()
    messages = db.session.scalars(due_query(at).with_for_update(skip_locked=True)).all()
    for message in messages:
        record_failure(message, error, at)
    db.session.commit()
    return len(messages), sum(message.state == DEAD for message in messages)


# --- what operators see --------------------------------------------------------------------

@dataclass
class QueueState:
    pending: int
    due: int
    retrying: int  # pending after at least one failed attempt
    dead: int


def queue_state(at: datetime | None = None) -> QueueState:
    at = at or now()
    rows = db.session.execute(
        select(OutboxMessage.state,
               func.count(),
               func.count().filter(OutboxMessage.next_attempt_at <= at),
               func.count().filter(OutboxMessage.attempts > 0))
        .group_by(OutboxMessage.state)
    ).all()
    counts = {row[0]: row for row in rows}
    pending = counts.get(PENDING, (PENDING, 0, 0, 0))
    return QueueState(pending=pending[1], due=pending[2], retrying=pending[3],
                      dead=counts.get(DEAD, (DEAD, 0))[1])


def update_gauge() -> None:
    """Set ``portal_mail_queue_messages`` from the database (at each scrape of /metrics)."""
    state = queue_state()
    QUEUE_GAUGE.labels(state="pending").set(state.pending)
    QUEUE_GAUGE.labels(state="dead").set(state.dead)


def retry_dead() -> int:
    """Give the dead messages a new round of attempts (after the cause was fixed)."""
    result = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.state == DEAD)
        .values(state=PENDING, attempts=0, next_attempt_at=now())
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount or 0


def purge_dead(days: int, at: datetime | None = None) -> int:
    """Erase dead messages older than ``days`` (they hold addresses)."""
    cutoff = (at or now()) - timedelta(days=days)
    result = db.session.execute(
        delete(OutboxMessage).where(OutboxMessage.state == DEAD, OutboxMessage.created_at < cutoff)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount or 0

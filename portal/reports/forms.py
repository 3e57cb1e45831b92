"""The report form, used by the web page and (without CSRF) by Open311 POST, so both channels
validate alike; and the staff forms of the triage."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, HiddenField, RadioField, SelectField, StringField,
                     TextAreaField, TimeField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, Email, InputRequired, Length, Optional, ValidationError

from ..clock import local, now, today, zone
from ..forms import DateField, PortalForm
from ..models import ReportCategory, ReportStatus, Visibility
from .service import Contact, NewReport
from .words import CATEGORY_LABELS, STATUS_LABELS, VISIBILITY_LABELS

DESCRIPTION_MIN = 20
DESCRIPTION_MAX = 2000
NAME_MAX = 120
ANSWER_MAX = 2000
NOTE_MAX = 2000
SEARCH_MAX = 100
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!?]|&#|&[a-z]+;")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
PHONE_CHARS = re.compile(r"\+?[0-9 ().-]+")


def strip(value):
    return value.strip() if isinstance(value, str) else value


def cut(limit: int):
    def cutter(value):
        return value[:limit] if isinstance(value, str) else value

    return cutter


def plain_text(form, field) -> None:
    """No HTML and no control characters: a report is plain text (Open311 says so too)."""
    if not field.data:
        return
    if CONTROL.search(field.data):
        raise ValidationError(_l("This text contains characters that are not allowed."))
    if MARKUP.search(field.data):
        raise ValidationError(_l("Write plain text, without HTML tags or codes such as < >."))


def normalize_phone(raw: str) -> str | None:
    """+62… for an Indonesian number written as 0812…, 62812… or 812…; None when it is not one."""
    if not PHONE_CHARS.fullmatch(raw):
        return None
    digits = re.sub(r"\D", "", raw)
    if raw.startswith("+"):
        international = digits
    elif digits.startswith("0"):
        international = "62" + digits[1:]
    elif digits.startswith("62"):
        international = digits
    else:
        international = "62" + digits
    if not 10 <= len(international) <= 15 or international.startswith("620"):
        return None
    return "+" + international


def recent_visit(day, days: int, too_old) -> None:
    """A visit date is neither in the future nor more than ``days`` ago (``too_old`` says so)."""
    if day is None:
        return
    if day > today():
        raise ValidationError(_l("The date of the visit cannot be in the future."))
    if day < today() - timedelta(days=days):
        raise ValidationError(too_old)


def unit_choices(units, found: int | None = None) -> list[SelectChoice]:
    """The units grouped by agency for a <select>, with an empty first choice that says how many
    units a search ``found``."""
    if found is not None:
        first = _l("— Choose a service unit (%(num)d found) —", num=found)
    else:
        first = _l("— Choose a service unit —")
    choices = [SelectChoice("", str(first))]
    groups: dict[str, list] = {}
    for unit in units:
        groups.setdefault(unit.opd.short_name, []).append(unit)
    for opd_name in sorted(groups, key=str.lower):
        for unit in groups[opd_name]:
            choices.append(SelectChoice(unit.slug, unit.name, optgroup=opd_name))
    return choices


class ReportForm(PortalForm):
    unit = SelectField(_l("Service unit"), validate_choice=False,
                       validators=[InputRequired(message=_l("Choose the service unit you visited or "
                                                            "tried to reach."))])
    unit_q = StringField(_l("Search for a unit"), filters=[strip, cut(SEARCH_MAX)])
    visited_on = DateField(_l("Date of the visit"), validators=[InputRequired()])
    visited_at = TimeField(_l("Time (optional)"), format=["%H:%M", "%H:%M:%S"], validators=[Optional()])
    category = RadioField(
        _l("What went wrong?"),
        choices=[SelectChoice(c.value, CATEGORY_LABELS[c]) for c in ReportCategory],
        validators=[InputRequired(message=_l("Choose what went wrong."))],
    )
    description = TextAreaField(
        _l("Describe what happened"), filters=[strip],
        validators=[InputRequired(), Length(min=DESCRIPTION_MIN, max=DESCRIPTION_MAX), plain_text],
    )
    visibility = RadioField(
        _l("Who may see the report?"), default=Visibility.PUBLIC.value,
        choices=[SelectChoice(v.value, VISIBILITY_LABELS[v]) for v in Visibility],
        validators=[InputRequired()],
    )
    name = StringField(_l("Your name (optional)"), filters=[strip],
                       validators=[Optional(), Length(max=NAME_MAX), plain_text])
    phone = StringField(_l("Phone or WhatsApp (optional)"), filters=[strip],
                        validators=[Optional(), Length(max=30)])
    email = StringField(_l("E-mail (optional)"), filters=[strip],
                        validators=[Optional(), Length(max=200), Email()])
    consent = BooleanField(_l("I agree that the city processes my contact data to follow up this "
                              "report, as described in the privacy notice."))
    notify_answer = BooleanField(_l("E-mail me when the agency answers this report publicly."))
    submission_token = HiddenField()
    website = StringField(_l("Leave this field empty"), filters=[strip, cut(200)])  # honeypot

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.unit_slugs = {unit.slug for unit in units}

    def validate_unit(self, field) -> None:
        if field.data not in self.unit_slugs:
            raise ValidationError(_l("Choose a service unit from the list."))

    def validate_visited_on(self, field) -> None:
        days = current_app.config["REPORT_MAX_AGE_DAYS"]
        recent_visit(field.data, days, _l("Reports are accepted for visits of the last %(days)d days.", days=days))

    def validate_visited_at(self, field) -> None:
        local_now = local(now())
        if field.data is None or self.visited_on.data != local_now.date():
            return
        if datetime.combine(local_now.date(), field.data, tzinfo=zone()) > local_now + timedelta(minutes=5):
            raise ValidationError(_l("The time of the visit cannot be in the future."))

    def validate_phone(self, field) -> None:
        if not field.data:
            return
        normalized = normalize_phone(field.data)
        if normalized is None:
            raise ValidationError(_l("Enter a phone or WhatsApp number, for example 0812 3456 7890."))
        field.data = normalized

    def validate_consent(self, field) -> None:
        if self.contact_given() and not field.data:
            raise ValidationError(_l("Give your consent, or leave your name, phone and e-mail empty."))

    def validate_notify_answer(self, field) -> None:
        if field.data and not self.email.data:
            raise ValidationError(_l("Enter your e-mail address to be told of the answer, or untick this box."))

    def contact_given(self) -> bool:
        return any((self.name.data, self.phone.data, self.email.data))

    def new_report(self, units, source: str) -> NewReport:
        """The validated data as a report to submit (the web form and Open311 alike)."""
        contact = None
        if self.contact_given():
            contact = Contact(name=self.name.data or None, phone=self.phone.data or None,
                              email=self.email.data or None, consent=bool(self.consent.data))
        token = self.submission_token.data or ""
        return NewReport(
            unit=next(unit for unit in units if unit.slug == self.unit.data),
            category=self.category.data, description=self.description.data,
            visited_on=self.visited_on.data, visited_at=self.visited_at.data,
            visibility=self.visibility.data, contact=contact, source=source,
            submission_token=token if TOKEN.fullmatch(token) else None, honeypot=self.website.data or "",
        )


# The fields a resident fills in, in page order (the inline check answers one of them).
CHECKED_FIELDS = ("unit", "visited_on", "visited_at", "category", "description", "visibility",
                  "name", "phone", "email", "consent", "notify_answer")


class TrackForm(PortalForm):
    """"Follow a report": a plain GET form on the report pages."""

    class Meta:
        csrf = False

    kode = StringField(_l("Tracking code"), filters=[strip], validators=[InputRequired(), Length(max=40)])


class StatusForm(PortalForm):
    status = SelectField(_l("Status"), choices=[SelectChoice(s.value, STATUS_LABELS[s]) for s in ReportStatus])
    public_message = TextAreaField(
        _l("Public answer"), filters=[strip],
        validators=[Length(max=ANSWER_MAX), plain_text],
        description=_l("Shown on the tracking page and, for listed reports, in the public list and feed. "
                       "Required when the report is resolved or rejected."),
    )
    internal_note = TextAreaField(_l("Internal note (staff only)"), filters=[strip],
                                  validators=[Length(max=NOTE_MAX), plain_text])

    def __init__(self, *args, current_status: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.current_status = current_status

    def validate_public_message(self, field) -> None:
        status = self.status.data
        if status == ReportStatus.REJECTED.value and not field.data:
            raise ValidationError(_l("Give the reason for the rejection: the reporter will read it."))
        if status == ReportStatus.RESOLVED.value and not field.data:
            raise ValidationError(_l("Say what was done: the reporter will read it."))

    def validate_internal_note(self, field) -> None:
        if (self.status.data == self.current_status and not self.public_message.data
                and not field.data):
            raise ValidationError(_l("Change the status, or write an answer or a note."))


class ReassignForm(PortalForm):
    opd = SelectField(_l("Forward to agency (OPD)"), validate_choice=True,
                      validators=[InputRequired(message=_l("Choose the agency to forward the report to."))])
    note = TextAreaField(_l("Reason (staff only)"), filters=[strip],
                         validators=[Length(max=NOTE_MAX), plain_text])


class ConfirmForm(PortalForm):
    """A button that changes something (spam, hide, erase contact): CSRF only."""


class SpamForm(PortalForm):
    spam = HiddenField(validators=[AnyOf(["0", "1"])])

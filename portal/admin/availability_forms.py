"""Forms of the availability editor: one cell (a unit from a day), and several units over a range."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice as C
from wtforms import BooleanField, RadioField, SelectField, TextAreaField, TimeField
from wtforms.validators import InputRequired, Length, Optional

from .. import overrides
from ..availability import STATUS_LABELS
from ..clock import today
from ..forms import DateField, MultiCheckboxField, PortalForm
from ..schedule import Status


def strip(value):
    return value.strip() if isinstance(value, str) else value


class OverrideFields(PortalForm):
    """What staff decide: a status, optional hours, and the reason citizens will read."""

    status = RadioField(_l("Status"), choices=[C(s.value, STATUS_LABELS[s]) for s in Status],
                        validators=[Optional()])
    opens = TimeField(_l("Opens at"), validators=[Optional()])
    closes = TimeField(_l("Closes at"), validators=[Optional()])
    reason = TextAreaField(_l("Reason (shown to the public)"), filters=[strip],
                           validators=[Optional(), Length(max=300)])

    def needs_decision(self) -> bool:
        return True

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.needs_decision():
            return valid
        required = str(_l("This field is required."))
        if not self.status.data and not self.status.errors:
            self.status.errors.append(required)
            valid = False
        if not self.reason.data and not self.reason.errors:
            self.reason.errors.append(str(_l("Give the reason: citizens read it on the unit’s page.")))
            valid = False
        if self.status.data and not self.status.errors:
            problem = overrides.hours_problem(self.status.data, self.opens.data, self.closes.data)
            if problem and not self.closes.errors:
                self.closes.errors.append(problem)
                valid = False
        return valid

    def check_dates(self, starts_on, ends_on, field) -> bool:
        problem = overrides.date_problem(starts_on, ends_on, today(),
                                         current_app.config["MAX_DAYS_FROM_TODAY"])
        if problem:
            field.errors.append(problem)
            return False
        return True


class CellForm(OverrideFields):
    """One unit, from the chosen day until ``ends_on`` (the same day when empty)."""

    ends_on = DateField(_l("Until (inclusive)"), validators=[Optional()])

    def __init__(self, *args, day=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.day = day
        self.status.flags.required = self.reason.flags.required = True  # shown as required

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.ends_on.errors:
            valid = self.check_dates(self.day, self.ends_on.data or self.day, self.ends_on) and valid
        return valid


class BulkForm(OverrideFields):
    """Several units over a date range: set one status for all, or remove their changes."""

    action = RadioField(_l("What to do"), default="set", choices=[
        C("set", _l("Set a status for these units and days")),
        C("clear", _l("Remove the changes on these days: the rules apply again")),
    ])
    units = MultiCheckboxField(_l("Units"), coerce=int, validate_choice=False)
    kecamatan = SelectField(_l("All units of kecamatan"), coerce=str, validate_choice=False,
                            choices=[])
    all_mine = BooleanField(_l("All my units"))
    starts_on = DateField(_l("From"), validators=[InputRequired()])
    ends_on = DateField(_l("Until (inclusive)"), validators=[InputRequired()])

    def needs_decision(self) -> bool:
        return self.action.data != "clear"

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.starts_on.data and self.ends_on.data and not self.ends_on.errors:
            valid = self.check_dates(self.starts_on.data, self.ends_on.data, self.ends_on) and valid
        return valid

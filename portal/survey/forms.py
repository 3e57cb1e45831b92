"""The survey form: the visit, the nine elements on a 1–4 scale, an optional suggestion and an
optional respondent profile. Never a name or contact."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from .. import ikm
from ..forms import DateField, PortalForm
from ..reports.forms import cut, plain_text, recent_visit, strip
from .words import AGE_BANDS, EDUCATION, ELEMENTS, MODE_LABELS, OCCUPATIONS, SEXES

SUGGESTION_MAX = 1000
OTHER_SERVICE = "-"  # the service choice "another service" (units without a service list too)


def optional_choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice("", _l("— Not stated —")), *(SelectChoice(key, label) for key, label in labels.items())]


def element_field(element) -> RadioField:
    return RadioField(
        element.question,
        choices=[SelectChoice(str(score), label) for score, label in zip(ikm.SCORES, element.scale)],
        validators=[InputRequired(message=_l("Choose one of the four answers."))],
    )


class SurveyForm(PortalForm):
    service = SelectField(_l("Service you used"), validate_choice=True,
                          validators=[InputRequired(message=_l("Choose the service you used."))])
    visited_on = DateField(_l("Date of the visit or service"), validators=[InputRequired()])
    mode = RadioField(_l("How were you served?"),
                      choices=[SelectChoice(key, label) for key, label in MODE_LABELS.items()],
                      validators=[InputRequired(message=_l("Choose on-site or online."))])
    u1 = element_field(ELEMENTS[0])
    u2 = element_field(ELEMENTS[1])
    u3 = element_field(ELEMENTS[2])
    u4 = element_field(ELEMENTS[3])
    u5 = element_field(ELEMENTS[4])
    u6 = element_field(ELEMENTS[5])
    u7 = element_field(ELEMENTS[6])
    u8 = element_field(ELEMENTS[7])
    u9 = element_field(ELEMENTS[8])
    suggestion = TextAreaField(_l("Suggestion for this unit (optional)"), filters=[strip],
                               validators=[Optional(), Length(max=SUGGESTION_MAX), plain_text])
    age_band = SelectField(_l("Age"), choices=optional_choices(AGE_BANDS), validators=[Optional()])
    sex = SelectField(_l("Sex"), choices=optional_choices(SEXES), validators=[Optional()])
    education = SelectField(_l("Education"), choices=optional_choices(EDUCATION), validators=[Optional()])
    occupation = SelectField(_l("Occupation"), choices=optional_choices(OCCUPATIONS), validators=[Optional()])
    submission_token = HiddenField()
    website = StringField(_l("Leave this field empty"), filters=[strip, cut(200)])  # honeypot

    def __init__(self, *args, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.service.choices = [SelectChoice("", str(_l("— Choose a service —"))),
                                *(SelectChoice(name, name) for name in services),
                                SelectChoice(OTHER_SERVICE, str(_l("Another service")))]

    def validate_visited_on(self, field) -> None:
        days = current_app.config["SURVEY_MAX_AGE_DAYS"]
        recent_visit(field.data, days, _l("Answers are accepted for visits of the last %(days)d days.", days=days))

    def scores(self) -> tuple[int, ...]:
        return tuple(int(self[key].data) for key in ikm.ELEMENTS)


ELEMENT_FIELDS = ikm.ELEMENTS
PROFILE_FIELDS = ("age_band", "sex", "education", "occupation")


class UnitChoiceForm(PortalForm):
    """/survei without a unit: a plain GET form to choose one."""

    class Meta:
        csrf = False

    unit = SelectField(_l("Service unit"), validate_choice=False)

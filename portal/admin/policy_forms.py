"""Forms for policy phases and local holidays."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice as C
from wtforms import BooleanField, HiddenField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..forms import DateField, MultiCheckboxField, PortalForm
from ..i18n import weekday_name
from ..policy import RULE_LABELS, PhaseDraft
from ..schedule import RuleKind


def strip(value):
    return value.strip() if isinstance(value, str) else value


class PhaseForm(PortalForm):
    name = StringField(_l("Name (Indonesian)"), filters=[strip], validators=[DataRequired(), Length(max=120)])
    name_en = StringField(_l("Name (English)"), filters=[strip], validators=[Optional(), Length(max=120)])
    starts_on = DateField(_l("First day"), validators=[InputRequired()])
    ends_on = DateField(_l("Last day"), validators=[Optional()])
    rule = RadioField(_l("Rule for non-essential units"), default=RuleKind.WFH_WEEKDAYS.value,
                      choices=[C(kind.value, label) for kind, label in RULE_LABELS.items()],
                      validators=[DataRequired()])
    wfh_weekdays = MultiCheckboxField(_l("Work-from-home weekdays"), coerce=int, choices=[])
    note = StringField(_l("Note for citizens (Indonesian), e.g. about capacity"), filters=[strip],
                       validators=[Optional(), Length(max=300)])
    note_en = StringField(_l("Note for citizens (English)"), filters=[strip],
                          validators=[Optional(), Length(max=300)])
    description = TextAreaField(_l("Description (Indonesian)"), filters=[strip],
                                validators=[Optional(), Length(max=2000)])
    description_en = TextAreaField(_l("Description (English)"), filters=[strip],
                                   validators=[Optional(), Length(max=2000)])
    legal_basis = StringField(_l("Legal basis"), filters=[strip], validators=[Optional(), Length(max=200)])
    exempt_opds = MultiCheckboxField(_l("Agencies exempt from this phase"), coerce=int, choices=[])
    accept_overlap = BooleanField(_l("I have checked the overlap: where phases overlap, the one that "
                                     "started last applies"))
    preview_token = HiddenField()
    preview = SubmitField(_l("Preview the effect"))
    save = SubmitField(_l("Save the phase"))

    def __init__(self, *args, opds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.wfh_weekdays.choices = [C(day, weekday_name(day)) for day in range(7)]
        self.exempt_opds.choices = [C(opd.id, f"{opd.short_name} — {opd.name}") for opd in opds]

    def draft(self) -> PhaseDraft:
        return PhaseDraft(
            name=self.name.data, name_en=self.name_en.data or None, starts_on=self.starts_on.data,
            ends_on=self.ends_on.data, rule=RuleKind(self.rule.data),
            wfh_weekdays=frozenset(self.wfh_weekdays.data or ()), note=self.note.data or "",
            note_en=self.note_en.data or None, description=self.description.data or "",
            description_en=self.description_en.data or None, legal_basis=self.legal_basis.data or None,
            exempt_opd_ids=frozenset(self.exempt_opds.data or ()),
        )

    def fill(self, draft: PhaseDraft) -> None:
        for name in ("name", "name_en", "starts_on", "ends_on", "note", "note_en", "description",
                     "description_en", "legal_basis"):
            getattr(self, name).data = getattr(draft, name)
        self.rule.data = draft.rule.value
        self.wfh_weekdays.data = sorted(draft.wfh_weekdays)
        self.exempt_opds.data = sorted(draft.exempt_opd_ids)


class HolidayForm(PortalForm):
    day = DateField(_l("Date"), validators=[InputRequired()])
    name = StringField(_l("Name (Indonesian)"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), filters=[strip], validators=[Optional(), Length(max=200)])


class ConfirmForm(PortalForm):
    confirm = BooleanField(_l("Yes, withdraw it"), validators=[DataRequired()])

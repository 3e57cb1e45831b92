"""The subscription form (CSRF, a honeypot like the report form) and the confirmation buttons."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, ValidationError

from ..forms import PortalForm
from ..reports.forms import strip, unit_choices


class SubscribeForm(PortalForm):
    email = StringField(_l("Your e-mail address"), filters=[strip],
                        validators=[InputRequired(), Length(max=254), Email()])
    units = SelectMultipleField(_l("Service units"), validate_choice=False)
    opd = SelectField(_l("Or every unit of an agency (OPD)"), validate_choice=False)
    kecamatan = SelectField(_l("Or every unit in a kecamatan"), validate_choice=False)
    consent = BooleanField(_l("I agree that the city keeps my e-mail address to send me these messages, "
                              "as described in the privacy notice."),
                           validators=[InputRequired(message=_l("Give your consent to receive the e-mails."))])
    website = StringField(_l("Leave this field empty"), filters=[strip])  # honeypot, as on /lapor

    def __init__(self, *args, units=(), opds=(), kecamatans=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.unit_by_slug = {unit.slug: unit for unit in units}
        self.opd_by_slug = {opd.slug: opd for opd in opds}
        self.kecamatan_by_slug = {kecamatan.slug: kecamatan for kecamatan in kecamatans}
        self.units.choices = unit_choices(units)[1:]  # no empty choice in a multiple list
        self.opd.choices = [SelectChoice("", str(_l("— No agency —")))] + [
            SelectChoice(opd.slug, f"{opd.short_name} — {opd.name}") for opd in opds]
        self.kecamatan.choices = [SelectChoice("", str(_l("— No kecamatan —")))] + [
            SelectChoice(kecamatan.slug, kecamatan.name) for kecamatan in kecamatans]

    def validate_units(self, field) -> None:
        if any(slug not in self.unit_by_slug for slug in field.data or ()):
            raise ValidationError(_l("Choose service units from the list."))
        if not (field.data or self.opd.data or self.kecamatan.data):
            raise ValidationError(_l("Choose at least one service unit, an agency or a kecamatan."))

    def validate_opd(self, field) -> None:
        if field.data and field.data not in self.opd_by_slug:
            raise ValidationError(_l("Choose an agency from the list."))

    def validate_kecamatan(self, field) -> None:
        if field.data and field.data not in self.kecamatan_by_slug:
            raise ValidationError(_l("Choose a kecamatan from the list."))

    def chosen(self):
        """(units, opd, kecamatan) as objects."""
        return ([self.unit_by_slug[slug] for slug in dict.fromkeys(self.units.data or ())],
                self.opd_by_slug.get(self.opd.data or ""), self.kecamatan_by_slug.get(self.kecamatan.data or ""))


class ButtonForm(PortalForm):
    """A button that changes something (confirm a subscription): CSRF only."""

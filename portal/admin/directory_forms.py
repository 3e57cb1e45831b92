"""Forms for agencies (OPD), service units and staff accounts."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice as C
from wtforms import (BooleanField, EmailField, FloatField, PasswordField, RadioField, SelectField,
                     StringField, TextAreaField, TimeField, URLField)
from wtforms.fields.core import Label
from wtforms.validators import URL, DataRequired, Email, EqualTo, Length, NumberRange, Optional, Regexp

from ..forms import PortalForm
from ..i18n import weekday_name
from ..models import Role

SLUG = Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$", message=_l("Use lowercase letters, digits and single hyphens only."))
MIN_PASSWORD = 10
SAME_PASSWORD = _l("The two passwords are not the same.")

OPD_KINDS = [
    C("dinas", _l("Dinas (agency)")),
    C("badan", _l("Badan (board)")),
    C("kecamatan", _l("Kecamatan office")),
    C("rumah_sakit", _l("Hospital (RSUD)")),
    C("satuan", _l("Satuan (unit)")),
    C("sekretariat", _l("Secretariat")),
    C("inspektorat", _l("Inspectorate")),
]


def strip(value):
    return value.strip() if isinstance(value, str) else value


def none_if_empty(value):
    value = strip(value)
    return value or None


class OpdForm(PortalForm):
    slug = StringField(_l("Address name (slug)"), filters=[strip],
                       validators=[DataRequired(), Length(max=80), SLUG])
    short_name = StringField(_l("Short name"), filters=[strip], validators=[DataRequired(), Length(max=60)])
    name = StringField(_l("Full name"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=OPD_KINDS, default="dinas")
    website = URLField(_l("Website"), filters=[none_if_empty], validators=[Optional(), URL(), Length(max=300)])
    phone = StringField(_l("Phone"), filters=[none_if_empty], validators=[Optional(), Length(max=40)])


class UnitDetailsForm(PortalForm):
    """What an OPD admin keeps current for her own units."""

    address = StringField(_l("Address"), filters=[strip], validators=[DataRequired(), Length(max=300)])
    phone = StringField(_l("Phone"), filters=[none_if_empty], validators=[Optional(), Length(max=40)])
    whatsapp = StringField(_l("WhatsApp"), filters=[none_if_empty], validators=[Optional(), Length(max=40)])
    email = EmailField(_l("E-mail"), filters=[none_if_empty], validators=[Optional(), Email(), Length(max=200)])
    online_channel_url = URLField(_l("Online channel (address)"), filters=[none_if_empty],
                                  validators=[Optional(), URL(), Length(max=300)])
    online_channel_name = StringField(_l("Online channel (name)"), filters=[none_if_empty],
                                      validators=[Optional(), Length(max=200)])
    services = TextAreaField(_l("Services, one per line"), filters=[strip],
                             validators=[Optional(), Length(max=4000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for day in range(7):
            for part, text in (("opens", _("%(day)s: opens at", day=weekday_name(day))),
                               ("closes", _("%(day)s: closes at", day=weekday_name(day)))):
                field = self[f"{part}_{day}"]
                field.label = Label(field.id, text)

    def hours(self) -> dict:
        return {day: (self[f"opens_{day}"].data, self[f"closes_{day}"].data) for day in range(7)
                if self[f"opens_{day}"].data is not None and self[f"closes_{day}"].data is not None}

    def fill_hours(self, weekly: dict) -> None:
        for day, (opens, closes) in weekly.items():
            self[f"opens_{day}"].data, self[f"closes_{day}"].data = opens, closes

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for day in range(7):
            opens, closes = self[f"opens_{day}"], self[f"closes_{day}"]
            if opens.errors or closes.errors:
                continue
            if (opens.data is None) != (closes.data is None):
                closes.errors.append(_("Give both the opening and the closing time, or neither (closed)."))
                valid = False
            elif opens.data is not None and opens.data >= closes.data:
                closes.errors.append(_("The closing time must be after the opening time."))
                valid = False
        return valid


for _day in range(7):
    setattr(UnitDetailsForm, f"opens_{_day}", TimeField(validators=[Optional()]))
    setattr(UnitDetailsForm, f"closes_{_day}", TimeField(validators=[Optional()]))


class UnitForm(UnitDetailsForm):
    """Everything about a unit (city admins)."""

    slug = StringField(_l("Address name (slug)"), filters=[strip],
                       validators=[DataRequired(), Length(max=120), SLUG])
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    opd_id = SelectField(_l("Agency (OPD)"), coerce=int, choices=[])
    kecamatan_id = SelectField(_l("Kecamatan"), coerce=int, choices=[])
    kelurahan_id = SelectField(_l("Kelurahan"), coerce=int, choices=[])
    latitude = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(-90, 90)])
    longitude = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(-180, 180)])
    essential = BooleanField(_l("Essential service: stays open on-site whatever the work-from-home rule"))
    open_24_7 = BooleanField(_l("Open 24 hours, every day, holidays included"))
    rotation_group = RadioField(_l("Rotation group"), choices=[C("A"), C("B")], default="A")
    active = BooleanField(_l("Shown to the public"), default=True)

    def __init__(self, *args, opds=(), kecamatans=(), kelurahans=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.opd_id.choices = [C(opd.id, f"{opd.short_name} — {opd.name}") for opd in opds]
        self.kecamatan_id.choices = [C(kec.id, kec.name) for kec in kecamatans]
        self.kelurahan_id.choices = [C(0, _("(none)"))] + [
            C(kel.id, f"{kel.name} ({kel.kecamatan.name})") for kel in kelurahans]
        self._kelurahan_kecamatan = {kel.id: kel.kecamatan_id for kel in kelurahans}

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        kelurahan = self.kelurahan_id.data
        if kelurahan and self._kelurahan_kecamatan.get(kelurahan) != self.kecamatan_id.data:
            self.kelurahan_id.errors.append(_("This kelurahan is not in the chosen kecamatan."))
            valid = False
        return valid


class UserForm(PortalForm):
    email = EmailField(_l("E-mail"), filters=[strip], validators=[DataRequired(), Email(), Length(max=200)])
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    role = RadioField(_l("Role"), default=Role.OPD_ADMIN.value, choices=[
        C(Role.OPD_ADMIN.value, _l("Administrator of one agency: its units, reports and output")),
        C(Role.CITY_ADMIN.value, _l("City administrator (BKPSDM): everything")),
    ], validators=[DataRequired()])
    opd_id = SelectField(_l("Agency (OPD)"), coerce=int, choices=[])
    is_active_account = BooleanField(_l("Account active (may sign in)"), default=True)

    def __init__(self, *args, opds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.opd_id.choices = [C(0, _("(none)"))] + [C(opd.id, f"{opd.short_name} — {opd.name}") for opd in opds]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.role.data == Role.OPD_ADMIN and not self.opd_id.data and not self.opd_id.errors:
            self.opd_id.errors.append(_("Choose the agency this administrator works for."))
            valid = False
        return valid

    def values(self) -> dict:
        return {"email": self.email.data, "name": self.name.data, "role": self.role.data,
                "opd_id": self.opd_id.data or None, "is_active_account": bool(self.is_active_account.data)}


class PasswordForm(PortalForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200)])
    password_confirm = PasswordField(_l("New password, again"),
                                     validators=[DataRequired(), EqualTo("password", message=SAME_PASSWORD)])


class NewUserForm(UserForm):
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200)])
    password_confirm = PasswordField(_l("Password, again"), validators=[DataRequired(), EqualTo("password", message=SAME_PASSWORD)])

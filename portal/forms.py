"""The base form: CSRF from Flask-WTF, validation messages from our own catalog.

WTForms ships no Indonesian catalog, so its messages are listed below for extraction and
translated in portal/translations like every other string of the portal.
"""

import unicodedata

from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as ngettext  # lazy; named so that pybabel extracts it
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectMultipleField, StringField, ValidationError
from wtforms import fields as wtforms_fields
from wtforms.widgets import CheckboxInput, ListWidget

from .clock import EARLIEST_DATE, LATEST_DATE, within_bounds


class PluralFallback:
    """WTForms asks ``ngettext`` for some messages (e.g. Length); our catalog keeps them as plain
    messages (Indonesian has no plural), so fall back to those when no plural entry exists."""

    def __init__(self, translations):
        self.translations = translations

    def gettext(self, message):
        return self.translations.gettext(message)

    def ngettext(self, singular, plural, n):
        text = self.translations.ngettext(singular, plural, n)
        if text in (singular, plural):
            return self.translations.gettext(singular if n == 1 else plural)
        return text


# Characters a person types (and text must keep): line breaks and tabs, and the joiners that
# shape emoji sequences and some scripts. Every other control (Unicode Cc) or invisible format
# character (Cf: bidi embeddings and isolates U+202A–U+202E and U+2066–U+2069, direction marks,
# zero-width space, word joiner, byte-order mark, soft hyphen…) can make a text read differently
# from what is stored ("Trojan Source"), so free text refuses it.
ALLOWED_INVISIBLE = {"\t", "\n", "\r", "\u200c", "\u200d"}


def invisible_characters(text: str) -> list[str]:
    """The invisible control and format characters of ``text`` as U+XXXX names, in order."""
    return [f"U+{ord(char):04X}" for char in text
            if char not in ALLOWED_INVISIBLE and unicodedata.category(char) in ("Cc", "Cf")]


def visible_text(form, field) -> None:
    """Validator of every free-text field (PortalForm adds it): no invisible control characters."""
    if isinstance(field.data, str) and (found := invisible_characters(field.data)):
        raise ValidationError(_l("This text contains invisible control characters (%(chars)s), for example "
                                 "marks that reverse the direction of the text. Remove them and try again.",
                                 chars=", ".join(dict.fromkeys(found))))


class PortalForm(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return PluralFallback(get_translations())

    def validate(self, extra_validators=None):
        """Every text field (not passwords) of every form also gets ``visible_text``."""
        extra = {name: list(validators) for name, validators in (extra_validators or {}).items()}
        for name, field in self._fields.items():
            if isinstance(field, StringField) and not isinstance(field, PasswordField):
                extra.setdefault(name, []).append(visible_text)
        return super().validate(extra_validators=extra)


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes (templates may also lay the options out themselves)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("invalid_choice_message", _l("Not a valid choice."))
        kwargs.setdefault("invalid_value_message", _l("Not a valid choice."))
        super().__init__(*args, **kwargs)


class DateField(wtforms_fields.DateField):
    """WTForms' DateField that refuses dates outside EARLIEST_DATE..LATEST_DATE (year 1 or 9999
    would make the date arithmetic behind every form overflow)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not within_bounds(self.data):
            self.data = None
            raise ValueError(self.gettext("Enter a date between the years %(first)d and %(last)d.")
                             % {"first": EARLIEST_DATE.year, "last": LATEST_DATE.year})


# WTForms' built-in messages used by our forms (kept here so that pybabel extracts them).
WTFORMS_MESSAGES = (
    _l("This field is required."),
    _l("Not a valid choice."),
    _l("Invalid Choice: could not coerce."),
    _l("Not a valid integer value."),
    _l("Not a valid decimal value."),
    _l("Not a valid float value."),
    _l("Not a valid date value."),
    _l("Not a valid datetime value."),
    _l("Not a valid time value."),
    _l("Invalid email address."),
    _l("Invalid URL."),
    _l("Invalid input."),
    _l("Invalid value, must be one of: %(values)s."),
    _l("Field must be at least %(min)d characters long."),
    _l("Field cannot be longer than %(max)d characters."),
    _l("Field must be exactly %(max)d characters long."),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("Field must be equal to %(other_name)s."),
    _l("Invalid field name '%s'."),
    _l("Invalid CSRF Token."),
    _l("The CSRF token is missing."),
    _l("CSRF failed."),
    _l("CSRF token expired."),
    _l("The CSRF token has expired."),
    _l("The CSRF token is invalid."),
    _l("The CSRF session token is missing."),
    _l("The CSRF tokens do not match."),
    _l("The referrer header is missing."),
    _l("The referrer does not match the host."),
)

# WTForms asks for these with ngettext (Length with only a minimum, only a maximum, or both equal).
WTFORMS_PLURAL_MESSAGES = (
    ngettext("Field must be at least %(min)d character long.",
             "Field must be at least %(min)d characters long.", 2),
    ngettext("Field cannot be longer than %(max)d character.",
             "Field cannot be longer than %(max)d characters.", 2),
    ngettext("Field must be exactly %(max)d character long.",
             "Field must be exactly %(max)d characters long.", 2),
)

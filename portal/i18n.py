"""Language choice (Indonesian by default, ?lang=en remembered in a cookie) and formatting filters."""

from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache

from babel.dates import format_date, format_datetime
from babel.numbers import (format_decimal, format_percent, get_decimal_symbol, get_group_symbol,
                           get_minus_sign_symbol)
from flask import current_app, g, request
from flask.globals import _cv_app
from flask_babel import LazyString, get_locale, get_translations
from markupsafe import Markup

LANG_COOKIE = "lang"
LANG_COOKIE_AGE = 365 * 24 * 3600
# Made to be shown inside other sites (an <img>, an <iframe>): ?lang= sets the language of that
# answer only. No cookie, so the answer stays public and cacheable by proxies.
NOT_REMEMBERED_ENDPOINTS = frozenset({"public.unit_badge", "public.unit_widget"})


def select_locale() -> str:
    """?lang= first, then the remembered cookie, then Indonesian (the portal's public default)."""
    languages = current_app.config["LANGUAGES"]
    asked = request.args.get("lang")
    if asked in languages:
        if request.endpoint not in NOT_REMEMBERED_ENDPOINTS:
            g.remember_lang = asked
        return asked
    remembered = request.cookies.get(LANG_COOKIE)
    if remembered in languages:
        return remembered
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def language_consulted() -> bool:
    """Whether this request's answer was put in a language (anything translated or formatted
    asked for the locale): then the language cookie may change it."""
    return getattr(g.get("_flask_babel"), "babel_locale", None) is not None


def remember_language(response):
    lang = g.get("remember_lang")
    if lang and request.cookies.get(LANG_COOKIE) != lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=LANG_COOKIE_AGE, samesite="Lax",
                            httponly=True, secure=request.is_secure)
    if language_consulted():  # the cookie chooses the language: a shared cache must key on it
        response.vary.add("Cookie")
    return response


def lang() -> str:
    # Flask-Babel keeps the request's locale (or the one force_locale() set) in g._flask_babel:
    # read it there first, one lookup instead of get_locale()'s several (called ~7,000 times by
    # a two-year /statistik), through the app context itself rather than the ``g`` proxy.
    app_context = _cv_app.get(None)
    locale = getattr(getattr(app_context.g, "_flask_babel", None), "babel_locale", None) if app_context else None
    if locale is None:
        locale = get_locale()
    return locale_name(locale) if locale is not None else current_app.config["BABEL_DEFAULT_LOCALE"]


_LOCALE_NAMES: dict[int, tuple[object, str]] = {}


def locale_name(locale) -> str:
    """str(locale), remembered by the object's identity (Babel's Locale hashes and compares
    slowly; an lru_cache paid both on every call)."""
    found = _LOCALE_NAMES.get(id(locale))
    if found is None or found[0] is not locale:
        if len(_LOCALE_NAMES) > 64:
            _LOCALE_NAMES.clear()
        found = _LOCALE_NAMES[id(locale)] = (locale, str(locale))
    return found[1]


def translations():
    """The request's translations, what flask_babel.get_translations() returns, looked up in the
    domain's cache in one step once Flask-Babel has chosen the locale and domain (its own way
    goes through the ``g`` proxy four times and formats the locale: ~10 µs, and a two-year
    /statistik translates ~250 strings). Anything else (first use in a request, outside one):
    Flask-Babel's own way."""
    app_context = _cv_app.get(None)
    context = getattr(app_context.g, "_flask_babel", None) if app_context else None
    domain, locale = getattr(context, "babel_domain", None), getattr(context, "babel_locale", None)
    if domain is not None and locale is not None:
        found = domain.get_translations_cache(context).get((locale_name(locale), domain.domain[0]))
        if found is not None:
            return found
    return get_translations()


def gettext(string: str, **variables) -> str:
    """flask_babel.gettext through ``translations()``."""
    text = translations().ugettext(string)
    return text % variables if variables else text


def lazy_gettext(string: str, **variables) -> LazyString:
    """flask_babel.lazy_gettext, translated through ``gettext`` above when used (labels that
    pages print many times, e.g. an IKM grade in every cell of a table)."""
    return LazyString(gettext, string, **variables)


def install_template_gettext(app) -> None:
    """The templates' _(), gettext(), ngettext()... through ``translations()`` (Flask-Babel's
    init_app installed the same callables through its slower lookup)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )


@lru_cache(maxsize=4096)
def date_text(value: date, pattern: str, locale: str) -> str:
    """Babel's format_date(value, pattern, locale), remembered: a pure function of the three (a
    two-year /statistik writes ~230 week dates, a grid of days a header per column)."""
    return format_date(value, pattern, locale=locale)


def long_date(value: date) -> str:
    """Kamis, 6 November 2025 / Thursday, 6 November 2025."""
    return date_text(value, "EEEE, d MMMM y", lang())


def medium_date(value: date) -> str:
    """6 Nov 2025."""
    return date_text(value, "d MMM y", lang())


def month_name(value: date) -> str:
    """November 2025."""
    return date_text(value, "LLLL y", lang())


def short_day(value: date) -> str:
    """Kam 6/11 — a grid column header."""
    return date_text(value, "EEE d/M", lang())


def weekday_name(value: date | int) -> str:
    if isinstance(value, int):
        value = date(2024, 1, 1 + value)  # 2024-01-01 is a Monday
    return date_text(value, "EEEE", lang())


def clock(value: time | None) -> str:
    """08.00 in Indonesian, 08:00 in English."""
    if value is None:
        return ""
    return value.strftime("%H.%M" if lang() == "id" else "%H:%M")


def when(value: datetime | None) -> str:
    """5 Nov 2025 14.02 in the portal's time zone."""
    if value is None:
        return ""
    from .clock import local

    local_value = local(value)
    return f"{format_date(local_value, 'd MMM y', locale=lang())} {clock(local_value.time())}"


def number(value, digits: int = 0) -> str:
    """1.234,5 in Indonesian, 1,234.5 in English; an em dash for a missing value.

    What Babel's format_decimal(value, "#,##0.0…") gives, without its pattern machinery (a
    two-year /statistik prints ~2,000 numbers; Babel took 30 µs each): the same Decimal of
    str(value), the same rounding (half even), the locale's symbols."""
    if value is None:
        return "–"
    if type(value) is int and not digits:  # a count: nothing to round
        table, minus = number_symbols(lang())
        text = f"{abs(value):,}".translate(table)
        return minus + text if value < 0 else text
    exact = value if isinstance(value, Decimal) else Decimal(str(value))
    if not exact.is_finite():
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=lang())
    return _digits(exact, digits, lang())


def _digits(exact: Decimal, digits: int, locale: str) -> str:
    """A finite Decimal rounded half even to ``digits`` decimals, grouped, in the locale's symbols."""
    table, minus = number_symbols(locale)
    rounded = abs(exact).quantize(QUANTUMS[digits])
    text = f"{rounded:,.{digits}f}".translate(table)
    return minus + text if exact.is_signed() else text


QUANTUMS = tuple(Decimal(1).scaleb(-digits) for digits in range(10))


@lru_cache(maxsize=8)
def number_symbols(locale: str) -> tuple[dict[int, str], str]:
    """The language's grouping and decimal separators (as a str.translate table from Python's
    "," and ".") and its minus sign."""
    return ({ord(","): get_group_symbol(locale), ord("."): get_decimal_symbol(locale)},
            get_minus_sign_symbol(locale))


def percent(value, digits: int = 0) -> str:
    """12,5% in Indonesian, 12.5% in English; an em dash for a missing value.

    What Babel's format_percent(value, "#,##0.0…%") gives (a two-year /statistik prints ~400):
    the Decimal of str(value) times 100 (Babel's scaleb(2)) written as ``number`` writes it,
    between the percent pattern's prefix and suffix in the language."""
    if value is None:
        return "–"
    exact = value if isinstance(value, Decimal) else Decimal(str(value))
    locale = lang()
    if not exact.is_finite():
        pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
        return format_percent(value, format=pattern, locale=locale)
    prefix, suffix = percent_affixes(locale)
    text = _digits(abs(exact.scaleb(2)), digits, locale)
    return ("-" if exact.is_signed() else "") + prefix + text + suffix


@lru_cache(maxsize=8)
def percent_affixes(locale: str) -> tuple[str, str]:
    """What Babel writes before and after the digits of a percentage in a language."""
    prefix, _zero, suffix = format_percent(0, format="0%", locale=locale).partition("0")
    return prefix, suffix


def time_date(value: date | None, style: str = "long") -> Markup | str:
    """A date for a page, readable and machine-readable: <time datetime="2025-11-06">…</time>."""
    if value is None:
        return ""
    text = long_date(value) if style == "long" else medium_date(value)
    return Markup('<time datetime="{}">{}</time>').format(value.isoformat(), text)


def time_when(value: datetime | None) -> Markup | str:
    """A moment for a page: <time datetime="2025-11-05T14:02:00+07:00">5 Nov 2025 14.02</time>."""
    if value is None:
        return ""
    from .clock import local_iso

    return Markup('<time datetime="{}">{}</time>').format(local_iso(value), when(value))


FILTERS = {
    "long_date": long_date,
    "medium_date": medium_date,
    "short_day": short_day,
    "weekday_name": weekday_name,
    "clock": clock,
    "when": when,
    "time_date": time_date,
    "time_when": time_when,
    "number": number,
    "percent": percent,
}

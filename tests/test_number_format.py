"""Numbers and percentages on every page are formatted by portal.i18n.number and .percent, fast
paths that must write exactly what Babel's format_decimal and format_percent write for the same
pattern, in both languages."""

import random
from decimal import Decimal

import pytest
from babel.numbers import format_decimal, format_percent

from portal import i18n


def babel_number(value, digits, locale):
    return format_decimal(value, format="#,##0" + ("." + "0" * digits if digits else ""), locale=locale)


def samples():
    rng = random.Random(20251106)
    values = [0, 1, -1, 7, 999, 1000, -1000, 1234567, 10**12, 0.5, 1.5, 2.5, -2.5, 0.05, 0.15, 0.25, 2.675,
              1.005, 99.995, 12345.6789, -0.0, 0.0, -0.004, Decimal("2.675"), Decimal("-1234.5650"),
              Decimal("1E+3"), 1e-7, 3.0]
    values += [rng.randint(-10**9, 10**9) for _ in range(300)]
    values += [rng.uniform(-10**6, 10**6) for _ in range(300)]
    values += [round(rng.uniform(0, 100), rng.randint(0, 4)) for _ in range(300)]
    return values


def mismatches(app, fast, babel, values, digits, locale) -> list:
    """The values that ``fast`` writes otherwise than Babel, in a request in ``locale``."""
    with app.test_request_context(f"/?lang={locale}"):
        assert i18n.lang() == locale
        return [(value, fast(value, digits), babel(value, digits, locale)) for value in values
                if fast(value, digits) != babel(value, digits, locale)]


@pytest.mark.parametrize("locale", ["id", "en"])
@pytest.mark.parametrize("digits", [0, 1, 2, 3])
def test_number_writes_what_babel_writes(app, locale, digits):
    assert mismatches(app, i18n.number, babel_number, samples(), digits, locale) == []


def test_number_uses_each_languages_separators(app):
    with app.test_request_context("/?lang=id"):
        assert i18n.number(1234567.891, 1) == "1.234.567,9"
        assert i18n.number(None) == "–"
    with app.test_request_context("/?lang=en"):
        assert i18n.number(1234567.891, 1) == "1,234,567.9"
        assert i18n.number(float("inf")) == babel_number(float("inf"), 0, "en")


def babel_percent(value, digits, locale):
    return format_percent(value, format="#,##0" + ("." + "0" * digits if digits else "") + "%", locale=locale)


def shares():
    """Shares as the pages have them (kept/on-site days, within target, compliance), edge cases
    of rounding a percentage half even, and the numbers of ``samples()``."""
    rng = random.Random(20251107)
    values = [0, 1, 0.5, 0.125, 0.0125, 0.00125, 0.995, 0.9995, 0.99995, 1 / 3, 2 / 3, 0.015, 0.025, 0.105,
              1.005, -0.125, -0.0, 12.345, Decimal("0.12345"), Decimal("-0.000049"), 1e-9]
    values += [rng.randint(0, 5000) / rng.randint(1, 5000) for _ in range(400)]
    values += [rng.random() for _ in range(300)]
    return values + samples()


@pytest.mark.parametrize("locale", ["id", "en"])
@pytest.mark.parametrize("digits", [0, 1, 2])
def test_percent_writes_what_babel_writes(app, locale, digits):
    assert mismatches(app, i18n.percent, babel_percent, shares(), digits, locale) == []


def test_percent_in_each_language(app):
    with app.test_request_context("/?lang=id"):
        assert i18n.percent(0.98765, 1) == "98,8%"
        assert i18n.percent(12.5) == "1.250%"
        assert i18n.percent(None) == "–"
    with app.test_request_context("/?lang=en"):
        assert i18n.percent(0.98765, 1) == "98.8%"
        assert i18n.percent(float("nan")) == babel_percent(float("nan"), 0, "en")

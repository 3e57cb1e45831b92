"""Numbers on every page are formatted by portal.i18n.number, a fast path that must write
exactly what Babel's format_decimal writes for the same pattern, in both languages."""

import random
from decimal import Decimal

import pytest
from babel.numbers import format_decimal

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


@pytest.mark.parametrize("locale", ["id", "en"])
@pytest.mark.parametrize("digits", [0, 1, 2, 3])
def test_number_writes_what_babel_writes(app, locale, digits):
    with app.test_request_context(f"/?lang={locale}"):
        assert i18n.lang() == locale
        mismatches = [(value, i18n.number(value, digits), babel_number(value, digits, locale))
                      for value in samples()
                      if i18n.number(value, digits) != babel_number(value, digits, locale)]
    assert mismatches == []


def test_number_uses_each_languages_separators(app):
    with app.test_request_context("/?lang=id"):
        assert i18n.number(1234567.891, 1) == "1.234.567,9"
        assert i18n.number(None) == "–"
    with app.test_request_context("/?lang=en"):
        assert i18n.number(1234567.891, 1) == "1,234,567.9"
        assert i18n.number(float("inf")) == babel_number(float("inf"), 0, "en")

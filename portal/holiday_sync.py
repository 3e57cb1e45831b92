"""National holidays and cuti bersama from the ``holidays`` package (country ID)."""

from datetime import date

import holidays as holidays_lib
from sqlalchemy import select

from .extensions import db
from .models import Holiday


def national_holidays(years) -> dict[date, tuple[str, str, str]]:
    """date -> (Indonesian name, English name, kind) for the given years."""
    categories = ("public", "government")
    indonesian = holidays_lib.country_holidays("ID", years=years, categories=categories, language="id")
    english = holidays_lib.country_holidays("ID", years=years, categories=categories, language="en_US")
    result = {}
    for day, name in sorted(indonesian.items()):
        kind = "cuti_bersama" if name.lower().startswith("cuti bersama") else "national"
        result[day] = (name, english.get(day, name), kind)
    return result


def sync_holidays(years) -> tuple[int, int]:
    """Insert or update national holidays; local holidays set by admins are never touched.

    Returns (added, updated)."""
    added = updated = 0
    for day, (name, name_en, kind) in national_holidays(years).items():
        holiday = db.session.scalar(select(Holiday).filter_by(day=day))
        if holiday is None:
            db.session.add(Holiday(day=day, name=name, name_en=name_en, kind=kind))
            added += 1
        elif holiday.kind != "local" and (holiday.name, holiday.name_en, holiday.kind) != (name, name_en, kind):
            holiday.name, holiday.name_en, holiday.kind = name, name_en, kind
            updated += 1
    db.session.commit()
    return added, updated

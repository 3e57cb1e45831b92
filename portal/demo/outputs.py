"""Demo output records (September to December 2025) and monthly operational cost, invented but
plausible: the baseline months have office days only, Tahap I has WFH Thursdays, Tahap II has
both modes every working day. Some days are missing (not zero), daily performance reports are
less complete on WFH days, and costs fall during the trial.

Idempotent and fast: rows are generated in memory, the missing ones inserted in bulk.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert, select

from ..clock import zone
from ..extensions import db
from ..models import Holiday, OperationalCost, Opd, OutputDay, OutputIndicator, OutputQuantity, ServiceUnit
from ..workdays import is_working_day

FIRST_DAY, LAST_DAY = date(2025, 9, 1), date(2025, 12, 31)
TAHAP_I, TAHAP_II = date(2025, 11, 1), date(2025, 12, 1)
THURSDAY = 3

COMMON = ("surat-naskah-diproses", "Surat/naskah dinas diproses", "naskah", 1.1)
SPECIFIC = {
    "Disdukcapil": ("dokumen-kependudukan-terbit", "Dokumen kependudukan terbit", "dokumen", 7.5),
    "DPMPTSP": ("izin-terbit", "Izin terbit", "izin", 1.6),
    "Bapenda": ("dokumen-pajak-diproses", "Dokumen pajak daerah diproses", "dokumen", 3.2),
    "Dinkes": ("layanan-diselesaikan", "Layanan kesehatan diselesaikan", "layanan", 4.0),
    "RSUD": ("layanan-diselesaikan", "Pasien dilayani", "pasien", 3.5),
    "Damkar": ("layanan-diselesaikan", "Kejadian ditangani", "kejadian", 0.3),
}
KECAMATAN = ("layanan-diselesaikan", "Layanan PATEN dan surat pengantar diselesaikan", "layanan", 3.0)
DEFAULT = ("layanan-diselesaikan", "Layanan diselesaikan", "layanan", 2.0)
# Agencies with essential units keep part of their staff in the office (at the counters) on WFH
# Thursdays; the back office works from home.
ESSENTIAL = {"RSUD", "Damkar", "Dinkes", "BPBD", "Satpol PP", "DPPPA", "Disdukcapil", "DPMPTSP", "Dishub"}
# Rupiah per staff member per month before the trial, and the trial's saving per category.
COST_PER_STAFF = {"electricity": 260_000, "water": 38_000, "fuel": 120_000, "consumables": 85_000}
SAVING = {
    TAHAP_I: {"electricity": 0.06, "water": 0.03, "fuel": 0.08, "consumables": 0.05},
    TAHAP_II: {"electricity": 0.15, "water": 0.10, "fuel": 0.20, "consumables": 0.12},
}


def entered_at(day: date, at: time = time(15, 30)) -> datetime:
    """When the agency entered a day's figures: that afternoon, in Bekasi (never the seeding time)."""
    return datetime.combine(day, at, tzinfo=zone()).astimezone(UTC)


def next_month(month: date) -> date:
    """The first working day of the month after ``month`` (when last month's costs are known)."""
    day = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def indicator_specs(opd: Opd) -> list[tuple[str, str, str, float]]:
    if opd.kind == "kecamatan":
        return [COMMON, KECAMATAN]
    return [COMMON, SPECIFIC.get(opd.short_name, DEFAULT)]


def seed_indicators(opds: list[Opd]) -> dict[tuple[int, str], OutputIndicator]:
    existing = {(i.opd_id, i.slug): i for i in db.session.scalars(select(OutputIndicator))}
    for opd in opds:
        for slug, name, unit, _rate in indicator_specs(opd):
            if (opd.id, slug) not in existing:
                indicator = OutputIndicator(opd_id=opd.id, slug=slug, name=name, unit_of_measure=unit)
                db.session.add(indicator)
                existing[(opd.id, slug)] = indicator
    db.session.flush()
    return existing


def staff_size(rng: random.Random, opd: Opd) -> int:
    if opd.short_name == "Disdukcapil":
        return 96
    if opd.kind == "kecamatan":
        return rng.randint(28, 40)
    return rng.randint(30, 80)


def modes_on(day: date, opd: Opd, staff: int, rng: random.Random) -> list[tuple[str, int]]:
    """(mode, staff on duty) for the OPD on a working day, by the phase the day falls in."""
    present = staff - rng.randint(0, max(1, staff // 12))  # leave, sickness, training
    if day < TAHAP_I:
        return [("wfo", present)]
    if day < TAHAP_II:
        if day.weekday() != THURSDAY:
            return [("wfo", present)]
        if opd.short_name in ESSENTIAL:
            onsite = present // 2
            return [("wfo", onsite), ("wfh", present - onsite)]
        return [("wfh", present)]
    office = present // 2 + rng.randint(-2, 2)
    return [("wfo", office), ("wfh", present - office)]


def generate(opds: list[Opd], indicators, holidays: set[date]):
    """The demo's day records and quantities, as plain dicts keyed by (opd, day, mode)."""
    rng = random.Random(20251101)
    days: dict[tuple[int, date, str], dict] = {}
    quantities: dict[tuple[int, date, str], list[tuple[int, int]]] = {}
    for opd in sorted(opds, key=lambda o: o.slug):
        staff = staff_size(rng, opd)
        wfh_factor = {spec[0]: rng.uniform(0.72, 0.98) if spec is not COMMON else rng.uniform(0.95, 1.12)
                      for spec in indicator_specs(opd)}
        # One agency forgot to enter a week in October: those days are missing, not zero.
        gap = (date(2025, 10, 13), date(2025, 10, 17)) if opd.short_name == "Dispusip" else None
        day = FIRST_DAY
        while day <= LAST_DAY:
            if not is_working_day(day, holidays) or rng.random() < 0.04 or (gap and gap[0] <= day <= gap[1]):
                day += timedelta(days=1)
                continue
            for mode, on_duty in modes_on(day, opd, staff, rng):
                if on_duty < 1:
                    continue
                due = on_duty
                missing = rng.choice((0, 0, 0, 1, 2, 3, 5)) if mode == "wfh" else rng.choice((0, 0, 0, 0, 1))
                key = (opd.id, day, mode)
                days[key] = dict(opd_id=opd.id, day=day, mode=mode, staff_on_duty=on_duty, reports_due=due,
                                 reports_submitted=max(0, due - missing), updated_at=entered_at(day))
                quantities[key] = []
                for slug, _name, _unit, rate in indicator_specs(opd):
                    factor = wfh_factor[slug] if mode == "wfh" else 1.0
                    value = max(0, round(on_duty * rate * factor * rng.uniform(0.85, 1.15)))
                    quantities[key].append((indicators[(opd.id, slug)].id, value))
            day += timedelta(days=1)
    return days, quantities, rng


def seed_outputs() -> None:
    """Indicators, day records and monthly costs for every OPD that has service units."""
    opds = list(db.session.scalars(select(Opd).where(Opd.id.in_(select(ServiceUnit.opd_id))).order_by(Opd.slug)))
    indicators = seed_indicators(opds)
    holidays = set(db.session.scalars(select(Holiday.day).where(Holiday.day.between(FIRST_DAY, LAST_DAY))))
    days, quantities, rng = generate(opds, indicators, holidays)

    stored = set(db.session.execute(
        select(OutputDay.opd_id, OutputDay.day, OutputDay.mode).where(OutputDay.day.between(FIRST_DAY, LAST_DAY))
    ))
    missing = [key for key in days if key not in stored]
    if missing:
        ids = db.session.scalars(
            insert(OutputDay).returning(OutputDay.id, sort_by_parameter_order=True),
            [days[key] for key in missing],
        ).all()
        db.session.execute(insert(OutputQuantity), [
            dict(output_day_id=day_id, indicator_id=indicator_id, quantity=value)
            for day_id, key in zip(ids, missing, strict=True) for indicator_id, value in quantities[key]
        ])
    seed_costs(opds, rng)
    db.session.flush()
    from ..statistik.totals import rebuild  # bulk inserts bypass the ORM's flush hook

    rebuild()


def seed_costs(opds: list[Opd], rng: random.Random) -> None:
    stored = set(db.session.execute(select(OperationalCost.opd_id, OperationalCost.month,
                                           OperationalCost.category)))
    rows = []
    for opd in opds:
        staff = 30 + (opd.id * 7) % 50
        for month in (date(2025, 9, 1), date(2025, 10, 1), TAHAP_I, TAHAP_II):
            for category, per_staff in COST_PER_STAFF.items():
                saving = SAVING.get(month, {}).get(category, 0.0)
                amount = round(staff * per_staff * (1 - saving) * rng.uniform(0.97, 1.03), -3)
                if (opd.id, month, category) not in stored:
                    rows.append(dict(opd_id=opd.id, month=month, category=category, amount=int(amount),
                                     updated_at=entered_at(next_month(month), time(10, 0))))
    if rows:
        db.session.execute(insert(OperationalCost), rows)

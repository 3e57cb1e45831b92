"""flask --app portal bench-data: a large data set for the benchmarks (bench/), built fast with
bulk inserts on top of the Bekasi demo: more OPDs and service units, two years (2024-2025) of
daily output records and disruption reports. Deterministic for the same arguments."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone

import click
from flask.cli import with_appcontext
from sqlalchemy import func, insert, select, text

from ..extensions import db
from ..models import (Opd, OutputDay, OutputIndicator, OutputQuantity, Report, ReportCategory, ServiceUnit,
                      UnitHours)

FIRST_DAY, LAST_DAY = date(2024, 1, 1), date(2025, 12, 31)
WIB = timezone(timedelta(hours=7))
BATCH = 20_000


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def bulk(model, rows: list[dict]) -> None:
    for i in range(0, len(rows), BATCH):
        db.session.execute(insert(model), rows[i:i + BATCH])


def add_opds(total: int) -> list[int]:
    have = count(Opd)
    bulk(Opd, [dict(slug=f"bench-opd-{n}", short_name=f"Bench {n}", name=f"Dinas Uji Beban {n}", kind="dinas")
               for n in range(have + 1, total + 1)])
    return list(db.session.scalars(select(Opd.id).order_by(Opd.id)))


def add_units(total: int, opd_ids: list[int]) -> None:
    """Copies of the demo's units, spread over every OPD, with the same weekly hours."""
    originals = db.session.scalars(select(ServiceUnit).order_by(ServiceUnit.id)).all()
    missing = total - len(originals)
    if missing <= 0 or not originals:
        return
    rows, hours = [], []
    for n in range(missing):
        unit = originals[n % len(originals)]
        rows.append(dict(slug=f"bench-unit-{n + 1}", name=f"{unit.name} (uji {n + 1})", opd_id=opd_ids[n % len(opd_ids)],
                         address=unit.address, kecamatan_id=unit.kecamatan_id, kelurahan_id=unit.kelurahan_id,
                         services=unit.services, essential=unit.essential, open_24_7=unit.open_24_7,
                         rotation_group=unit.rotation_group, active=True))
        hours.append([(h.weekday, h.opens, h.closes) for h in unit.hours])
    ids = []
    for i in range(0, len(rows), BATCH):
        ids += db.session.scalars(insert(ServiceUnit).returning(ServiceUnit.id, sort_by_parameter_order=True),
                                  rows[i:i + BATCH]).all()
    bulk(UnitHours, [dict(unit_id=unit_id, weekday=w, opens=o, closes=c)
                     for unit_id, unit_hours in zip(ids, hours, strict=True) for w, o, c in unit_hours])


def working_days() -> list[date]:
    days, day = [], FIRST_DAY
    while day <= LAST_DAY:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def add_records(total: int, opd_ids: list[int], rng: random.Random) -> None:
    """Day records (WFO and WFH on every weekday of 2024-2025 for every OPD) holding ``total``
    output quantities in all, spread evenly: more records means more indicators per day."""
    stored = set(db.session.execute(select(OutputDay.opd_id, OutputDay.day, OutputDay.mode)))
    keys = [(opd_id, day, mode) for day in working_days() for opd_id in opd_ids for mode in ("wfo", "wfh")
            if (opd_id, day, mode) not in stored]
    needed = total - count(OutputQuantity)
    if needed <= 0 or not keys:
        return
    per_day, extra = divmod(needed, len(keys))
    width = per_day + (1 if extra else 0)
    indicators: dict[int, list[int]] = {}
    for opd_id in opd_ids:
        have = list(db.session.scalars(select(OutputIndicator.id).filter_by(opd_id=opd_id).order_by(OutputIndicator.id)))
        new = [dict(opd_id=opd_id, slug=f"bench-indikator-{n}", name=f"Keluaran uji {n}", unit_of_measure="berkas")
               for n in range(len(have) + 1, width + 1)]
        if new:
            have += db.session.scalars(insert(OutputIndicator).returning(OutputIndicator.id,
                                                                         sort_by_parameter_order=True), new).all()
        indicators[opd_id] = have
    for i in range(0, len(keys), BATCH):
        chunk = keys[i:i + BATCH]
        rows = []
        for opd_id, day, mode in chunk:
            staff = rng.randint(5, 60)
            due = staff
            rows.append(dict(opd_id=opd_id, day=day, mode=mode, staff_on_duty=staff, reports_due=due,
                             reports_submitted=rng.randint(due * 3 // 4, due)))
        ids = db.session.scalars(insert(OutputDay).returning(OutputDay.id, sort_by_parameter_order=True), rows).all()
        quantities = []
        for n, (day_id, (opd_id, _day, _mode)) in enumerate(zip(ids, chunk, strict=True), start=i):
            for indicator_id in indicators[opd_id][:per_day + (1 if n < extra else 0)]:
                quantities.append(dict(output_day_id=day_id, indicator_id=indicator_id, quantity=rng.randint(0, 90)))
        bulk(OutputQuantity, quantities)


def add_reports(total: int, rng: random.Random) -> None:
    """Disruption reports spread over 2024-2025, four in five answered within a few days."""
    missing = total - count(Report)
    units = list(db.session.execute(select(ServiceUnit.id, ServiceUnit.opd_id)))
    if missing <= 0 or not units:
        return
    categories = [c.value for c in ReportCategory]
    span = (LAST_DAY - FIRST_DAY).days + 1
    start = count(Report)
    rows = []
    for n in range(start, start + missing):
        unit_id, opd_id = units[rng.randrange(len(units))]
        visited = FIRST_DAY + timedelta(days=rng.randrange(span))
        created = datetime.combine(visited, time(rng.randint(7, 20), rng.randrange(60)), WIB)
        answered = created + timedelta(minutes=rng.randint(10, 5 * 24 * 60)) if rng.random() < 0.8 else None
        rows.append(dict(code=f"UJI-{n:07d}", unit_id=unit_id, opd_id=opd_id, category=rng.choice(categories),
                         description="Loket tutup pada jam layanan (data uji beban).", visited_on=visited,
                         visibility="public", status="resolved" if answered else "received", is_spam=False,
                         source="web", created_at=created, updated_at=answered or created,
                         first_response_at=answered))
    bulk(Report, rows)


def analyze() -> None:
    """PostgreSQL plans from its statistics of each table, which still describe the tables before
    the bulk inserts until autovacuum comes by: refresh them, so that the rebuild and the first
    reads do not nest loops over tables it believes empty (a test on 15,000 generated records took
    9 s alone and 55-84 s in the full suite). SQLite's planner is steered without statistics."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))


def generate(units: int, opds: int, records: int, reports: int, seed: int = 8) -> dict[str, int]:
    """Grow the current database (the demo is loaded first when it is empty) to the given sizes."""
    from ..statistik.totals import rebuild

    if count(Opd) == 0:
        from . import seed as seed_demo

        seed_demo("bench-password-" + str(seed))
    rng = random.Random(seed)
    opd_ids = add_opds(opds)
    add_units(units, opd_ids)
    db.session.commit()
    add_records(records, opd_ids, rng)
    add_reports(reports, rng)
    analyze()
    rebuild()
    analyze()
    db.session.commit()
    return {"opds": count(Opd), "units": count(ServiceUnit), "day_records": count(OutputDay),
            "records": count(OutputQuantity), "reports": count(Report)}


@click.command("bench-data")
@with_appcontext
@click.option("--units", default=500, show_default=True, help="Service units in all.")
@click.option("--opds", default=60, show_default=True, help="Agencies (OPD) in all.")
@click.option("--records", default=1_000_000, show_default=True, help="Output records (quantities) in all.")
@click.option("--reports", default=100_000, show_default=True, help="Disruption reports in all.")
@click.option("--seed", default=8, show_default=True, help="Seed of the random numbers.")
def bench_data_command(units, opds, records, reports, seed):
    """Fill the database with a large data set for the benchmarks (on top of the demo)."""
    counts = generate(units, opds, records, reports, seed)
    click.echo("Bench data: " + ", ".join(f"{k}={v}" for k, v in counts.items()))

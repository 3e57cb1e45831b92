"""The kept on-site days of /statistik (per agency, two years at 500 units) are counted per class
of days from the days of the confirmed reports; the figures are those of every unit's history
day by day (portal/history.py ``load``), on constructed data, the demo and a generated data set."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

import pytest

from portal import history, schedule
from portal.demo.bench import generate
from portal.extensions import db
from portal.models import Opd, Report
from portal.schedule import Status

from .test_history import three_phases_two_holidays

WEEKDAYS = {day: (time(8), time(15)) for day in range(5)}


def test_summaries_by_classes_of_days_agree_with_every_day_looked_at():
    first, last = date(2025, 9, 1), date(2026, 2, 28)
    phases, holidays = three_phases_two_holidays()
    overrides = {5: [schedule.Override(id=1, unit_id=5, starts_on=date(2025, 8, 20), ends_on=date(2025, 9, 3),
                                       status=Status.CLOSED, reason="Renovasi")]}
    calendar = schedule.Calendar(phases=phases, holidays=holidays, overrides=overrides)
    units = [
        schedule.Unit(id=1, weekly_hours=WEEKDAYS, opd_id=7),
        schedule.Unit(id=2, weekly_hours={**WEEKDAYS, 5: (time(8), time(12))}, opd_id=7,
                      rotation_group=schedule.RotationGroup.B),
        schedule.Unit(id=3, weekly_hours=WEEKDAYS, opd_id=7, essential=True),
        schedule.Unit(id=4, weekly_hours={}, opd_id=7, open_24_7=True),
        schedule.Unit(id=5, weekly_hours=WEEKDAYS, opd_id=7),
        schedule.Unit(id=6, weekly_hours=WEEKDAYS, opd_id=8),
        schedule.Unit(id=7, weekly_hours=WEEKDAYS, opd_id=7),  # the same schedule as unit 1
    ]
    rng = random.Random(3)
    span = (last - first).days
    change = history.SameDayChange(6, date(2025, 11, 6), datetime(2025, 11, 6, 9), frozenset(), (
        schedule.Override(id=9, unit_id=6, starts_on=date(2025, 11, 6), ends_on=date(2025, 11, 6),
                          status=Status.CLOSED, reason="Listrik padam"),))
    classes = history.DayClasses(calendar, first, last)
    broken_onsite = 0
    for unit in units + units:  # the second time partly from the memo
        # Reports on random days, some days twice, a few outside the period.
        days = [first + timedelta(days=rng.randint(-5, span + 5)) for _ in range(60)]
        reports = [history.ConfirmedReport(unit.id, day, "no_staff") for day in days + days[:10]]
        changes = [change] if unit.id == 6 else []
        expected = history.summarise(history.unit_history(unit, first, last, calendar, reports, changes))
        found = classes.summary(unit, [report.day for report in reports], changes)
        assert found == expected, unit.id
        broken_onsite += expected.onsite_days - expected.kept
    assert broken_onsite > 50  # the reports did break on-site days


def assert_kept_days_agree(start: date, end: date, today: date) -> dict:
    fast = history.kept_by_opd(start, end, today)
    assert fast == history.kept_by_opd(start, end, today, raw=True)
    for opd in db.session.query(Opd).limit(3):
        assert history.kept_by_opd(start, end, today, opd) == history.kept_by_opd(start, end, today, opd, raw=True)
    return fast


@pytest.mark.demo
def test_the_demo_kept_days_are_those_of_the_day_by_day_histories(app):
    with app.app_context():
        today = date(2025, 11, 20)
        kept = assert_kept_days_agree(date(2025, 9, 1), date(2025, 12, 31), today)
        assert sum(s.broken_days for s in kept.values()) > 0 and sum(s.kept for s in kept.values()) > 0
        assert_kept_days_agree(date(2024, 1, 1), date(2025, 12, 30), today)


@pytest.mark.slow
def test_a_generated_data_set_gives_the_same_kept_days_as_the_day_by_day_histories(app):
    with app.app_context():
        generate(units=150, opds=40, records=2_000, reports=3_000)
        confirmed = db.session.query(Report).filter(Report.status == "resolved").count()
        assert confirmed > 1000
        kept = assert_kept_days_agree(date(2024, 1, 1), date(2025, 12, 30), date(2025, 11, 6))
        assert sum(s.broken_days for s in kept.values()) > 1000


def stored_and_fresh_bits() -> tuple[set, set]:
    from sqlalchemy import select

    from portal.models import UnitConfirmedDays
    from portal.statistik.report_totals import _bits_rows, confirmed_days_select

    stored = {tuple(row) for row in db.session.execute(
        select(UnitConfirmedDays.unit_id, UnitConfirmedDays.month, UnitConfirmedDays.days))}
    fresh = {(row["unit_id"], row["month"], row["days"]) for row in _bits_rows(db.session.execute(
        confirmed_days_select()))}
    return stored, fresh


def test_every_report_write_keeps_the_confirmed_days_right(app):
    """Confirming, rejecting, marking spam, moving a report to another day, month or unit,
    deleting it: each unit's confirmed days per month stay those of the reports, and the kept
    days those of the day-by-day histories."""
    from tests import factories as f

    with app.app_context():
        a = f.unit("Loket A")
        b = f.unit("Loket B", owner=a.opd)
        today = date(2025, 12, 20)

        def check(expected_rows: int) -> None:
            db.session.commit()
            stored, fresh = stored_and_fresh_bits()
            assert stored == fresh and len(stored) == expected_rows
            assert history.kept_by_opd(date(2025, 10, 1), date(2025, 12, 31), today) == \
                history.kept_by_opd(date(2025, 10, 1), date(2025, 12, 31), today, raw=True)

        first = f.report(a, visited_on=date(2025, 11, 4), status="verified")
        second = f.report(a, visited_on=date(2025, 11, 6), status="received")
        third = f.report(b, visited_on=date(2025, 10, 31), status="resolved")
        check(2)
        second.status = "in_progress"  # confirmed now
        check(2)
        assert stored_and_fresh_bits()[0] >= {(a.id, date(2025, 11, 1), 1 << 3 | 1 << 5)}
        first.is_spam = True
        check(2)
        second.visited_on = date(2025, 12, 1)  # to another month
        check(2)
        third.unit = a  # to another unit
        third.unit_id = a.id
        check(2)
        second.status = "rejected"
        check(1)
        db.session.delete(third)
        check(0)


def test_a_new_holiday_or_phase_changes_the_kept_days_at_once(app):
    """The classes of days are kept for the same phases and holidays (history.shared_day_classes):
    a holiday or a phase added between two counts is in the second one."""
    from tests import factories as f

    with app.app_context():
        a = f.unit("Loket A")
        today = date(2025, 12, 20)
        thursday = date(2025, 11, 6)
        f.report(a, visited_on=thursday, status="verified")
        db.session.commit()
        counts = []
        for change in (None, lambda: f.holiday(date(2025, 11, 13), "Libur daerah", "local"),
                       lambda: f.phase("Tahap I", date(2025, 11, 1), date(2025, 11, 30), "wfh_weekdays",
                                       wfh_weekdays="3")):
            if change is not None:
                change()
                db.session.commit()
            fast = history.kept_by_opd(date(2025, 10, 1), date(2025, 12, 31), today)
            assert fast == history.kept_by_opd(date(2025, 10, 1), date(2025, 12, 31), today, raw=True)
            counts.append(fast[a.opd_id])
        before, after_holiday, after_phase = counts
        assert after_holiday.onsite_days == before.onsite_days - 1  # a Thursday no longer on-site
        assert after_phase.onsite_days < after_holiday.onsite_days  # Thursdays online in November
        assert after_phase.broken_days == before.broken_days == 1
        assert after_phase.kept == after_phase.onsite_days  # the broken Thursday was not on-site after all

"""The 90-day history strip's figures, on constructed data (no app, no database)."""

from datetime import UTC, date, datetime, time

from portal import history, schedule
from portal.history import ConfirmedReport, SameDayChange
from portal.schedule import RuleKind, Source, Status

WEEKDAYS = {day: (time(8), time(15)) for day in range(5)}
UNIT = schedule.Unit(id=1, weekly_hours=WEEKDAYS, opd_id=7)
# Monday 3 to Sunday 9 November 2025: five on-site days, then a weekend.
FIRST, LAST = date(2025, 11, 3), date(2025, 11, 9)
THURSDAY = date(2025, 11, 6)


def days_of(calendar=None, reports=(), changes=(), unit=UNIT):
    return history.unit_history(unit, FIRST, LAST, calendar or schedule.Calendar(), reports, changes)


def report(day, status="verified", is_spam=False, unit_id=1):
    """A report as ``load`` keeps it: only when staff confirmed it."""
    return [ConfirmedReport(unit_id, day, "closed_though_open")] if history.confirmed(status, is_spam) else []


def test_every_promised_on_site_day_is_kept_without_reports_or_changes():
    summary = history.summarise(days_of())
    assert (summary.onsite_days, summary.kept, summary.broken_days) == (5, 5, 0)
    assert summary.share == 1


def test_a_confirmed_report_breaks_the_day_it_is_about():
    for status in ("verified", "in_progress", "resolved"):
        days = days_of(reports=report(THURSDAY, status))
        summary = history.summarise(days)
        assert (summary.onsite_days, summary.kept) == (5, 4), status
        assert [d.day for d in days if d.broken] == [THURSDAY]


def test_a_rejected_received_or_spam_report_breaks_nothing():
    reports = report(THURSDAY, "rejected") + report(THURSDAY, "received") + report(THURSDAY, "resolved", True)
    assert reports == []
    assert history.summarise(days_of(reports=reports)).kept == 5


def test_a_report_about_another_unit_breaks_nothing():
    assert history.summarise(days_of(reports=report(THURSDAY, unit_id=2))).kept == 5


def test_a_staff_change_made_that_morning_breaks_the_day_and_the_promise_was_the_morning_status():
    override = schedule.Override(id=10, unit_id=1, starts_on=THURSDAY, ends_on=THURSDAY, status=Status.CLOSED,
                                 reason="Listrik padam", created_at=datetime(2025, 11, 6, 1, 30, tzinfo=UTC))
    at = datetime(2025, 11, 6, 8, 30)  # local time, that morning
    change = history.same_day_change(
        "override.create", 10, 1, at, None,
        {"unit_id": 1, "starts_on": "2025-11-06", "ends_on": "2025-11-06", "status": "closed",
         "opens": None, "closes": None, "reason": "Listrik padam"})
    assert change == SameDayChange(1, THURSDAY, at, frozenset({10}), ())
    calendar = schedule.Calendar(overrides={1: [override]})
    days = days_of(calendar, changes=[change])
    thursday = next(d for d in days if d.day == THURSDAY)
    assert thursday.status.status is Status.CLOSED and thursday.status.source is Source.OVERRIDE
    assert thursday.promised.status is Status.OPEN  # as published when the day began
    assert thursday.broken and not thursday.kept
    summary = history.summarise(days)
    assert (summary.onsite_days, summary.kept) == (5, 4)


def test_a_change_decided_the_day_before_keeps_the_promise():
    override = schedule.Override(id=10, unit_id=1, starts_on=THURSDAY, ends_on=THURSDAY, status=Status.CLOSED,
                                 reason="Pemeliharaan gedung")
    change = history.same_day_change(
        "override.create", 10, 1, datetime(2025, 11, 5, 16, 0), None,
        {"unit_id": 1, "starts_on": "2025-11-06", "ends_on": "2025-11-06", "status": "closed",
         "reason": "Pemeliharaan gedung"})
    assert change is None
    days = days_of(schedule.Calendar(overrides={1: [override]}))
    summary = history.summarise(days)
    # Closed as announced the day before: not an on-site day, and no promise broken.
    assert (summary.onsite_days, summary.kept, summary.broken_days) == (4, 4, 0)


def test_a_decision_withdrawn_on_its_day_restores_the_morning_promise():
    before = {"unit_id": 1, "starts_on": "2025-11-06", "ends_on": "2025-11-06", "status": "closed",
              "opens": None, "closes": None, "reason": "Renovasi"}
    change = history.same_day_change("override.delete", 11, 1, datetime(2025, 11, 6, 9, 0), before, None)
    days = days_of(changes=[change])  # the override is gone from the table
    thursday = next(d for d in days if d.day == THURSDAY)
    assert thursday.status.status is Status.OPEN
    assert thursday.promised.status is Status.CLOSED
    # Promised closed: not counted among on-site days, but marked as a broken promise.
    assert thursday.broken and not thursday.promised_onsite
    assert history.summarise(days) == history.Summary(onsite_days=4, kept=4, broken_days=1)


def test_a_multi_day_decision_cut_on_a_day_counts_for_that_day_only():
    before = {"unit_id": 1, "starts_on": "2025-11-03", "ends_on": "2025-11-07", "status": "online",
              "opens": None, "closes": None, "reason": "Gangguan jaringan"}
    after = {**before, "ends_on": "2025-11-05"}
    change = history.same_day_change("override.shorten", 12, 1, datetime(2025, 11, 6, 7, 0), before, after)
    assert change.day == THURSDAY and change.withdrawn[0].ends_on == date(2025, 11, 7)
    standing = schedule.Override(id=12, unit_id=1, starts_on=FIRST, ends_on=date(2025, 11, 5),
                                 status=Status.ONLINE, reason="Gangguan jaringan")
    days = days_of(schedule.Calendar(overrides={1: [standing]}), changes=[change])
    assert [d.day for d in days if d.broken] == [THURSDAY]
    thursday = next(d for d in days if d.day == THURSDAY)
    assert thursday.promised.status is Status.ONLINE and thursday.status.status is Status.OPEN


def test_a_replaced_decision_stood_in_the_morning():
    old = {"unit_id": 1, "starts_on": "2025-11-06", "ends_on": "2025-11-06", "status": "limited",
           "opens": "09:00", "closes": "12:00", "reason": "Separuh petugas"}
    new = {**old, "status": "online", "opens": None, "closes": None, "reason": "Semua WFH"}
    change = history.same_day_change("override.create", 20, 1, datetime(2025, 11, 6, 6, 45),
                                     {"replaced": [old]}, new, synthetic_id=-1000)
    assert change.created_ids == {20} and change.withdrawn[0].status is Status.LIMITED
    standing = schedule.Override(id=20, unit_id=1, starts_on=THURSDAY, ends_on=THURSDAY, status=Status.ONLINE,
                                 reason="Semua WFH")
    thursday = next(d for d in days_of(schedule.Calendar(overrides={1: [standing]}), changes=[change])
                    if d.day == THURSDAY)
    assert thursday.promised.status is Status.LIMITED and thursday.promised.opens == time(9)
    assert thursday.status.status is Status.ONLINE and thursday.broken


def test_the_phase_and_holidays_decide_the_promise():
    phase = schedule.Phase(id=1, name="Tahap I", starts_on=FIRST, ends_on=None, rule=RuleKind.WFH_WEEKDAYS,
                           wfh_weekdays=frozenset({3}))
    holiday = schedule.Holiday(day=date(2025, 11, 3), name="Libur lokal", kind="local")
    calendar = schedule.Calendar(phases=[phase], holidays={holiday.day: holiday})
    summary = history.summarise(days_of(calendar, reports=report(THURSDAY)))
    # Monday closed (holiday), Thursday online: three on-site days, all kept; Thursday's report
    # breaks an online promise, which is shown but not among on-site days.
    assert summary == history.Summary(onsite_days=3, kept=3, broken_days=1)


def test_the_window_is_the_past_ninety_days():
    first, last = history.window(date(2025, 12, 31))
    assert last == date(2025, 12, 30) and (last - first).days + 1 == 90


def test_an_agency_day_counts_its_units_and_their_broken_promises():
    other = schedule.Unit(id=2, weekly_hours=WEEKDAYS, opd_id=7, essential=True)
    histories = {1: days_of(reports=report(THURSDAY)), 2: days_of(unit=other)}
    rows = history.opd_days(histories)
    assert len(rows) == 7
    thursday = next(row for row in rows if row.day == THURSDAY)
    assert thursday.counts[Status.OPEN] == 2 and thursday.units == 2
    assert [unit_id for unit_id, _day in thursday.broken] == [1]
    assert thursday.summary == history.Summary(2, 1, 1)
    assert sum((row.summary for row in rows), history.Summary()) == history.Summary(10, 9, 1)


def test_a_share_needs_on_site_days():
    assert history.Summary().share is None
    assert history.Summary(60, 58).share == 58 / 60


def test_the_fast_summary_agrees_with_the_day_by_day_one():
    calendar = schedule.Calendar(overrides={1: [schedule.Override(
        id=20, unit_id=1, starts_on=THURSDAY, ends_on=THURSDAY, status=Status.ONLINE, reason="Semua WFH")]})
    old = {"unit_id": 1, "starts_on": "2025-11-06", "ends_on": "2025-11-06", "status": "closed",
           "opens": None, "closes": None, "reason": "Renovasi"}
    cases = [
        ([], []),
        (report(THURSDAY) + report(date(2025, 11, 8)), []),  # a Saturday: broken, not on-site
        (report(date(2025, 11, 4)), [history.same_day_change("override.create", 20, 1, datetime(2025, 11, 6, 7),
                                                             {"replaced": [old]}, {**old, "status": "online"})]),
        ([ConfirmedReport(1, date(2025, 12, 1), "no_staff")], []),  # outside the window
    ]
    for reports, changes in cases:
        onsite = history.DayClasses(calendar, FIRST, LAST).onsite_days(UNIT)
        assert onsite == sum(day.onsite for day in calendar.days(UNIT, FIRST, 7))
        fast = history.unit_summary(UNIT, FIRST, LAST, calendar, onsite, reports, changes)
        assert fast == history.summarise(days_of(calendar, reports, changes)), (reports, changes)


def three_phases_two_holidays() -> tuple[list[schedule.Phase], dict]:
    """A day rule, a 50-50 phase with an exempt agency and an open-ended rotation, with two
    holidays: every kind of day the classes of days must tell apart (also tests/test_stats_kept.py)."""
    phases = [
        schedule.Phase(id=1, name="Tahap I", starts_on=date(2025, 11, 1), ends_on=date(2025, 11, 30),
                       rule=RuleKind.WFH_WEEKDAYS, wfh_weekdays=frozenset({3})),
        schedule.Phase(id=2, name="Tahap II", starts_on=date(2025, 12, 1), ends_on=date(2025, 12, 31),
                       rule=RuleKind.FIFTY_FIFTY, exempt_opd_ids=frozenset({8})),
        schedule.Phase(id=3, name="Rotasi", starts_on=date(2026, 1, 1), ends_on=None, rule=RuleKind.ROTATION),
    ]
    return phases, {day: schedule.Holiday(day, "Libur") for day in (date(2025, 12, 25), date(2026, 1, 1))}


def test_counting_by_classes_of_days_agrees_with_counting_every_day():
    first, last = date(2025, 9, 1), date(2026, 2, 28)
    phases, holidays = three_phases_two_holidays()
    overrides = {5: [schedule.Override(id=1, unit_id=5, starts_on=date(2025, 8, 20), ends_on=date(2025, 9, 3),
                                       status=Status.CLOSED, reason="Renovasi"),
                     schedule.Override(id=2, unit_id=5, starts_on=date(2025, 11, 6), ends_on=date(2025, 11, 6),
                                       status=Status.OPEN, reason="Layanan khusus")]}
    calendar = schedule.Calendar(phases=phases, holidays=holidays, overrides=overrides)
    saturday = {**WEEKDAYS, 5: (time(8), time(12))}
    units = [
        UNIT,
        schedule.Unit(id=2, weekly_hours=saturday, opd_id=7, rotation_group=schedule.RotationGroup.B),
        schedule.Unit(id=3, weekly_hours=WEEKDAYS, opd_id=7, essential=True),
        schedule.Unit(id=4, weekly_hours={}, opd_id=7, open_24_7=True),
        schedule.Unit(id=5, weekly_hours=WEEKDAYS, opd_id=7),
        schedule.Unit(id=6, weekly_hours=WEEKDAYS, opd_id=8),
    ]
    classes = history.DayClasses(calendar, first, last)
    count = (last - first).days + 1
    for unit in units + units:  # the second time from the memo
        assert classes.onsite_days(unit) == sum(day.onsite for day in calendar.days(unit, first, count)), unit.id

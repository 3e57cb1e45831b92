"""portal.schedule is pure: these tests need no app, no database."""

import os
from datetime import date, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.schedule import (
    Calendar, Holiday, Override, Phase, RotationGroup, RuleKind, Source, Status, Unit,
    next_onsite_day, phase_on, rotation_onsite, status_on,
)

# Generated cases per property: 300 in `make test`; `make test-fast` asks for fewer (PROPERTY_EXAMPLES).
PROPERTY_EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "300"))

OFFICE = {d: (time(8), time(15)) for d in range(5)}
THURSDAY = date(2025, 11, 6)
MONDAY = date(2025, 11, 3)
SATURDAY = date(2025, 11, 8)

TAHAP_I = Phase(1, "Tahap I", date(2025, 11, 1), date(2025, 11, 30), RuleKind.WFH_WEEKDAYS,
                wfh_weekdays=frozenset({3}))
TAHAP_II = Phase(2, "Tahap II", date(2025, 12, 1), date(2025, 12, 31), RuleKind.FIFTY_FIFTY,
                 note="Kapasitas 50%")
BASELINE = Phase(0, "Normal", date(2025, 1, 1), date(2025, 10, 31), RuleKind.REGULAR)
ROTATION = Phase(3, "Rotasi", date(2026, 1, 5), None, RuleKind.ROTATION)
PHASES = (BASELINE, TAHAP_I, TAHAP_II, ROTATION)

office = Unit(1, OFFICE, opd_id=10)
puskesmas = Unit(2, {**OFFICE, 5: (time(7, 30), time(12))}, opd_id=11, essential=True)
igd = Unit(3, {}, opd_id=12, essential=True, open_24_7=True)


def test_thursday_in_tahap_1_puts_non_essential_units_online():
    result = status_on(office, THURSDAY, phases=PHASES)
    assert result.status is Status.ONLINE
    assert result.source is Source.PHASE
    assert result.phase.name == "Tahap I"
    assert (result.opens, result.closes) == (time(8), time(15))


def test_monday_in_tahap_1_follows_regular_hours():
    result = status_on(office, MONDAY, phases=PHASES)
    assert (result.status, result.source) == (Status.OPEN, Source.REGULAR)


def test_essential_unit_keeps_regular_hours_on_a_wfh_thursday():
    result = status_on(puskesmas, THURSDAY, phases=PHASES)
    assert (result.status, result.source) == (Status.OPEN, Source.ESSENTIAL)
    assert (result.opens, result.closes) == (time(8), time(15))


def test_exempt_opd_keeps_regular_hours_during_a_phase():
    phase = Phase(5, "Tahap I", date(2025, 11, 1), date(2025, 11, 30), RuleKind.WFH_WEEKDAYS,
                  wfh_weekdays=frozenset({3}), exempt_opd_ids=frozenset({10}))
    result = status_on(office, THURSDAY, phases=[phase])
    assert (result.status, result.source) == (Status.OPEN, Source.EXEMPT)


def test_working_day_of_tahap_2_is_limited_with_the_capacity_note():
    result = status_on(office, date(2025, 12, 3), phases=PHASES)
    assert (result.status, result.source) == (Status.LIMITED, Source.PHASE)
    assert result.phase.note == "Kapasitas 50%"


def test_weekend_in_tahap_2_stays_closed_for_an_office():
    result = status_on(office, date(2025, 12, 6), phases=PHASES)
    assert (result.status, result.source) == (Status.CLOSED, Source.NO_HOURS)


def test_thursday_before_the_trial_follows_regular_hours():
    result = status_on(office, date(2025, 10, 30), phases=PHASES)
    assert (result.status, result.source) == (Status.OPEN, Source.REGULAR)
    assert result.phase is BASELINE


def test_christmas_closes_units_except_24_7():
    holidays = {date(2025, 12, 25): Holiday(date(2025, 12, 25), "Hari Raya Natal")}
    for unit in (office, puskesmas):
        result = status_on(unit, date(2025, 12, 25), phases=PHASES, holidays=holidays)
        assert (result.status, result.source) == (Status.CLOSED, Source.HOLIDAY)
        assert result.holiday.name == "Hari Raya Natal"
    result = status_on(igd, date(2025, 12, 25), phases=PHASES, holidays=holidays)
    assert (result.status, result.source) == (Status.OPEN, Source.HOLIDAY_24_7)
    assert result.all_day


def test_override_beats_holiday_and_phase():
    holidays = {THURSDAY: Holiday(THURSDAY, "Libur lokal", "local")}
    override = Override(7, office.id, THURSDAY, THURSDAY, Status.OPEN, "Pelayanan khusus",
                        opens=time(9), closes=time(12))
    result = status_on(office, THURSDAY, phases=PHASES, holidays=holidays, overrides=[override])
    assert (result.status, result.source) == (Status.OPEN, Source.OVERRIDE)
    assert (result.opens, result.closes) == (time(9), time(12))
    assert result.override.reason == "Pelayanan khusus"


def test_override_without_hours_takes_the_regular_hours_and_closed_has_none():
    limited = Override(1, office.id, MONDAY, MONDAY + timedelta(days=2), Status.LIMITED, "Renovasi")
    assert (status_on(office, MONDAY, overrides=[limited]).opens) == time(8)
    closed = Override(2, office.id, MONDAY, MONDAY, Status.CLOSED, "Banjir", opens=time(8), closes=time(9))
    result = status_on(office, MONDAY, overrides=[closed])
    assert (result.status, result.opens, result.closes) == (Status.CLOSED, None, None)


def test_override_of_another_unit_is_ignored():
    other = Override(1, 99, MONDAY, MONDAY, Status.CLOSED, "Bukan unit ini")
    assert status_on(office, MONDAY, overrides=[other]).source is Source.REGULAR


def test_latest_override_wins_where_ranges_overlap():
    from datetime import UTC, datetime

    older = Override(1, office.id, MONDAY, MONDAY + timedelta(days=4), Status.CLOSED, "Renovasi",
                     created_at=datetime(2025, 10, 1, tzinfo=UTC))
    newer = Override(2, office.id, MONDAY + timedelta(days=1), MONDAY + timedelta(days=1), Status.OPEN,
                     "Dibuka untuk lansia", created_at=datetime(2025, 10, 2, tzinfo=UTC))
    assert status_on(office, MONDAY, overrides=[older, newer]).status is Status.CLOSED
    assert status_on(office, MONDAY + timedelta(days=1), overrides=[older, newer]).override is newer


def test_rotation_groups_alternate_on_site_days():
    monday = date(2026, 1, 5)  # ISO week 2
    week = [monday + timedelta(days=i) for i in range(5)]
    a = [rotation_onsite(RotationGroup.A, d) for d in week]
    b = [rotation_onsite(RotationGroup.B, d) for d in week]
    assert all(x != y for x, y in zip(a, b))  # exactly one group on-site each working day
    next_week = [d + timedelta(days=7) for d in week]
    assert [rotation_onsite(RotationGroup.A, d) for d in next_week] == b  # groups swap each week
    unit_b = Unit(4, OFFICE, rotation_group=RotationGroup.B)
    statuses = [status_on(unit_b, d, phases=PHASES).status for d in week]
    assert statuses == [Status.OPEN if on else Status.ONLINE for on in b]
    assert status_on(unit_b, week[0], phases=PHASES).rotation_group is RotationGroup.B


def test_phase_on_picks_the_latest_started_of_overlapping_phases():
    overlapping = Phase(9, "Darurat", date(2025, 11, 10), date(2025, 11, 12), RuleKind.REGULAR)
    assert phase_on(PHASES + (overlapping,), date(2025, 11, 11)) is overlapping
    assert phase_on(PHASES, date(2024, 6, 1)) is None


def test_next_onsite_day_skips_wfh_thursday_and_weekend():
    # Thursday WFH in Tahap I; next on-site day of an office is Friday.
    result = next_onsite_day(office, THURSDAY, phases=PHASES)
    assert result.day == THURSDAY + timedelta(days=1)
    holidays = {THURSDAY + timedelta(days=1): Holiday(THURSDAY + timedelta(days=1), "Libur")}
    result = next_onsite_day(office, THURSDAY, phases=PHASES, holidays=holidays)
    assert result.day == date(2025, 11, 10)  # Friday holiday, weekend, then Monday


def test_next_onsite_day_is_none_when_never_on_site():
    online_forever = Override(1, office.id, MONDAY, MONDAY + timedelta(days=400), Status.ONLINE, "Daring")
    assert next_onsite_day(office, MONDAY, overrides=[online_forever], horizon=30) is None


def test_calendar_combines_the_facts_per_unit():
    override = Override(1, office.id, MONDAY, MONDAY, Status.CLOSED, "Listrik padam")
    calendar = Calendar(phases=PHASES, holidays={}, overrides={office.id: [override]})
    days = calendar.days(office, MONDAY, 4)
    assert [d.status for d in days] == [Status.CLOSED, Status.OPEN, Status.OPEN, Status.ONLINE]
    assert calendar.days(puskesmas, MONDAY, 1)[0].status is Status.OPEN


# --- properties -----------------------------------------------------------------------------

times = st.sampled_from([time(7), time(7, 30), time(8), time(12), time(15), time(16)])
hours = st.dictionaries(st.integers(0, 6), st.tuples(times, times).filter(lambda t: t[0] < t[1]), max_size=7)
days = st.dates(date(2025, 1, 1), date(2026, 12, 31))
statuses = st.sampled_from(list(Status))


@st.composite
def units(draw):
    return Unit(id=draw(st.integers(1, 3)), weekly_hours=draw(hours), opd_id=draw(st.integers(1, 3)),
                essential=draw(st.booleans()), open_24_7=draw(st.booleans()),
                rotation_group=draw(st.sampled_from(list(RotationGroup))))


@st.composite
def phases(draw):
    start = draw(days)
    end = draw(st.one_of(st.none(), st.dates(start, start + timedelta(days=120))))
    return Phase(id=draw(st.integers(1, 1000)), name="P", starts_on=start, ends_on=end,
                 rule=draw(st.sampled_from(list(RuleKind))),
                 wfh_weekdays=frozenset(draw(st.sets(st.integers(0, 6), max_size=3))),
                 exempt_opd_ids=frozenset(draw(st.sets(st.integers(1, 3), max_size=2))))


@st.composite
def overrides(draw):
    start = draw(days)
    return Override(id=draw(st.integers(1, 1000)), unit_id=draw(st.integers(1, 3)), starts_on=start,
                    ends_on=draw(st.dates(start, start + timedelta(days=30))), status=draw(statuses),
                    reason="alasan")


@st.composite
def holiday_maps(draw):
    chosen = draw(st.sets(days, max_size=10))
    return {d: Holiday(d, "Libur") for d in chosen}


@settings(max_examples=PROPERTY_EXAMPLES)
@given(units(), days, st.lists(phases(), max_size=3), holiday_maps(), st.lists(overrides(), max_size=4))
def test_an_override_always_wins(unit, day, phase_list, holidays, override_list):
    covering = [o for o in override_list if o.unit_id == unit.id and o.covers(day)]
    result = status_on(unit, day, phases=phase_list, holidays=holidays, overrides=override_list)
    if covering:
        assert result.source is Source.OVERRIDE
        assert result.override in covering
        assert result.status is result.override.status
    else:
        assert result.source is not Source.OVERRIDE


@settings(max_examples=PROPERTY_EXAMPLES)
@given(units(), days, st.lists(phases(), max_size=3), st.lists(phases(), max_size=3), holiday_maps(),
       st.lists(overrides(), max_size=4))
def test_an_essential_units_status_never_depends_on_the_phase(unit, day, phases_a, phases_b, holidays,
                                                              override_list):
    unit = Unit(unit.id, unit.weekly_hours, unit.opd_id, essential=True, open_24_7=unit.open_24_7)
    a = status_on(unit, day, phases=phases_a, holidays=holidays, overrides=override_list)
    b = status_on(unit, day, phases=phases_b, holidays=holidays, overrides=override_list)
    assert (a.status, a.opens, a.closes) == (b.status, b.opens, b.closes)
    assert a.source is not Source.PHASE


@settings(max_examples=PROPERTY_EXAMPLES)
@given(units(), days, st.lists(phases(), max_size=3), holiday_maps())
def test_a_24_7_unit_is_never_closed_by_a_holiday(unit, day, phase_list, holidays):
    unit = Unit(unit.id, unit.weekly_hours, unit.opd_id, essential=unit.essential, open_24_7=True)
    holidays = {**holidays, day: Holiday(day, "Libur")}
    result = status_on(unit, day, phases=phase_list, holidays=holidays)
    assert result.status is not Status.CLOSED
    assert result.source is not Source.HOLIDAY


@settings(max_examples=PROPERTY_EXAMPLES)
@given(units(), days, st.lists(phases(), max_size=3), holiday_maps())
def test_a_unit_without_override_is_closed_on_a_holiday_unless_24_7(unit, day, phase_list, holidays):
    holidays = {**holidays, day: Holiday(day, "Libur")}
    result = status_on(unit, day, phases=phase_list, holidays=holidays)
    assert (result.status is Status.CLOSED) == (not unit.open_24_7)


@settings(max_examples=PROPERTY_EXAMPLES * 2 // 3)
@given(units(), days, st.lists(phases(), max_size=3), holiday_maps(), st.lists(overrides(), max_size=4))
def test_next_onsite_day_is_on_site_and_no_earlier_day_is(unit, start, phase_list, holidays, override_list):
    result = next_onsite_day(unit, start, phases=phase_list, holidays=holidays, overrides=override_list,
                             horizon=60)
    if result is not None:
        assert result.onsite
        assert result == status_on(unit, result.day, phases=phase_list, holidays=holidays,
                                   overrides=override_list)
    end = result.day if result is not None else start + timedelta(days=60)
    day = start
    while day < end:
        assert not status_on(unit, day, phases=phase_list, holidays=holidays, overrides=override_list).onsite
        day += timedelta(days=1)


@settings(max_examples=PROPERTY_EXAMPLES * 2 // 3)
@given(units(), days, st.lists(phases(), max_size=3), holiday_maps(), st.lists(overrides(), max_size=4))
def test_a_day_without_hours_is_never_open_unless_an_override_or_24_7(unit, day, phase_list, holidays,
                                                                      override_list):
    result = status_on(unit, day, phases=phase_list, holidays=holidays, overrides=override_list)
    if result.source is not Source.OVERRIDE and unit.regular_hours(day) is None:
        assert result.status is Status.CLOSED


# --- working days (portal.workdays, pure as well) --------------------------------------------

from portal.workdays import add_working_days, is_working_day, working_days_between  # noqa: E402


def test_three_working_days_after_a_thursday_skip_the_weekend_and_holidays():
    thursday = date(2025, 12, 18)
    assert add_working_days(thursday, 3, set()) == date(2025, 12, 23)
    christmas = {date(2025, 12, 25), date(2025, 12, 26)}
    assert add_working_days(date(2025, 12, 23), 3, christmas) == date(2025, 12, 30)
    assert working_days_between(date(2025, 12, 23), date(2025, 12, 30), christmas) == 3
    assert not is_working_day(date(2025, 12, 25), christmas)


@given(days, st.integers(0, 40), st.sets(days, max_size=20))
def test_adding_then_counting_working_days_agree(start, count, holiday_set):
    end = add_working_days(start, count, holiday_set)
    assert working_days_between(start, end, holiday_set) == count
    assert count == 0 or is_working_day(end, holiday_set)

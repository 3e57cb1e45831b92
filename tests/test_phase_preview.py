"""schedule.changes compares two sets of rules day by day: the pure part of a phase preview."""

from datetime import date, time

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.schedule import Calendar, Holiday, Override, Phase, RuleKind, Status, Unit, changes, status_on

OFFICE = {d: (time(8), time(15)) for d in range(5)}
office = Unit(1, OFFICE, opd_id=10)
puskesmas = Unit(2, OFFICE, opd_id=11, essential=True)
exempt = Unit(3, OFFICE, opd_id=12)
MONDAY = date(2026, 1, 5)
FRIDAYS = Phase(9, "Uji Jumat", MONDAY, date(2026, 1, 16), RuleKind.WFH_WEEKDAYS,
                wfh_weekdays=frozenset({4}), exempt_opd_ids=frozenset({12}))


def test_a_new_phase_changes_only_ordinary_units_on_its_weekdays():
    before = Calendar()
    after = Calendar(phases=[FRIDAYS])
    found = changes([office, puskesmas, exempt], MONDAY, 14, before, after)
    assert [(c.unit_id, c.day, c.before.status, c.after.status) for c in found] == [
        (1, date(2026, 1, 9), Status.OPEN, Status.ONLINE),
        (1, date(2026, 1, 16), Status.OPEN, Status.ONLINE),
    ]


def test_holidays_and_overrides_hide_what_a_phase_would_change():
    holidays = {date(2026, 1, 16): Holiday(date(2026, 1, 16), "Libur")}
    overrides = {1: [Override(1, 1, date(2026, 1, 9), date(2026, 1, 9), Status.LIMITED, "Pelatihan")]}
    before = Calendar(holidays=holidays, overrides=overrides)
    after = Calendar(phases=[FRIDAYS], holidays=holidays, overrides=overrides)
    assert changes([office], MONDAY, 14, before, after) == []


def test_replacing_a_phase_by_itself_changes_nothing():
    calendar = Calendar(phases=[FRIDAYS])
    assert changes([office, puskesmas, exempt], MONDAY, 30, calendar, calendar) == []


phases = st.builds(
    Phase, id=st.integers(1, 50), name=st.just("P"), starts_on=st.dates(date(2026, 1, 1), date(2026, 2, 1)),
    ends_on=st.one_of(st.none(), st.dates(date(2026, 2, 1), date(2026, 3, 1))),
    rule=st.sampled_from(list(RuleKind)), wfh_weekdays=st.frozensets(st.integers(0, 6), max_size=3),
)


@settings(max_examples=100)
@given(st.lists(phases, max_size=3), st.lists(phases, max_size=3), st.dates(date(2026, 1, 1), date(2026, 2, 20)))
def test_changes_are_exactly_the_days_whose_status_differs(old, new, start):
    before, after = Calendar(phases=old), Calendar(phases=new)
    found = {(c.unit_id, c.day) for c in changes([office, puskesmas, exempt], start, 10, before, after)}
    for unit in (office, puskesmas, exempt):
        for offset in range(10):
            day = date.fromordinal(start.toordinal() + offset)
            differs = status_on(unit, day, phases=old).status is not status_on(unit, day, phases=new).status
            assert ((unit.id, day) in found) == differs

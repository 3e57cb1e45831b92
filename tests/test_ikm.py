"""The satisfaction index computed as PermenPANRB 14/2017 prescribes (portal/ikm.py, pure): a worked
example by hand, the grade intervals, the minimum sample, the splits by mode, WFH day and phase."""

from __future__ import annotations

from datetime import date

import pytest

from portal import ikm, schedule

OPD, OTHER_OPD = 7, 8


def answer(scores, *, day=date(2025, 11, 4), mode=ikm.ONSITE, wfh=False, unit=1, opd=OPD) -> ikm.Answer:
    return ikm.Answer(unit_id=unit, opd_id=opd, visited_on=day, mode=mode, wfh_day=wfh, scores=tuple(scores))


# The worked example: 30 respondents, 18 answer A and 12 answer B.
A = (4, 4, 3, 4, 3, 4, 4, 3, 3)
B = (3, 3, 2, 4, 3, 3, 3, 3, 2)
# By hand: NRR u1 = (18×4 + 12×3) / 30 = 108/30 = 3.60; u2 = 3.60; u3 = (18×3 + 12×2)/30 = 2.60;
# u4 = 4.00; u5 = 3.00; u6 = 3.60; u7 = 3.60; u8 = 3.00; u9 = 2.60. Sum of the NRRs = 29.60.
# IKM = 29.60 × 1/9 = 3.2889; reported 3.2889 × 25 = 82.22: grade B (Baik, 76.61–88.30).
# (With the regulation's rounded weight 0.111: 29.60 × 0.111 × 25 = 82.14, also B.)
WORKED = [answer(A)] * 18 + [answer(B)] * 12


def test_the_worked_example_gives_the_regulations_nrr_ikm_and_grade():
    result = ikm.index(WORKED, min_sample=30)
    assert result.respondents == 30 and result.answered == (30,) * 9
    assert [round(value, 2) for value in result.nrr] == [3.60, 3.60, 2.60, 4.00, 3.00, 3.60, 3.60, 3.00, 2.60]
    assert round(sum(result.nrr), 2) == 29.60
    assert [round(value, 4) for value in result.weighted][:3] == [0.4, 0.4, 0.2889]
    assert round(result.value, 4) == 3.2889
    assert round(result.ikm, 2) == 82.22
    assert result.grade == "B" and result.reason is None and result.published


@pytest.mark.parametrize("reported, grade", [
    (100, "A"), (88.31, "A"), (88.305, "A"),  # 88.305 is published as 88.31
    (88.30, "B"), (76.61, "B"), (76.605, "B"),
    (76.60, "C"), (65.00, "C"), (64.995, "C"),
    (64.99, "D"), (25, "D"),
])
def test_grades_follow_the_regulations_intervals_on_the_published_two_decimals(reported, grade):
    assert ikm.grade(reported) == grade


def test_all_fours_is_100_and_all_ones_is_25():
    assert ikm.index([answer((4,) * 9)] * 3, min_sample=3).ikm == pytest.approx(100)
    assert ikm.index([answer((1,) * 9)] * 3, min_sample=3).ikm == pytest.approx(25)


def test_an_element_is_averaged_over_the_respondents_who_answered_it():
    answers = [answer((4,) * 9)] * 2 + [answer((2, None, None, None, None, None, None, None, None))]
    result = ikm.index(answers, min_sample=2)
    assert result.respondents == 3 and result.answered[0] == 3 and result.answered[1] == 2
    assert result.nrr[0] == pytest.approx(10 / 3) and result.nrr[1] == 4


def test_below_the_minimum_sample_no_figure_is_given_but_the_count_is():
    result = ikm.index(WORKED[:29], min_sample=30)
    assert result.respondents == 29
    assert result.ikm is None and result.grade is None and result.nrr == (None,) * 9
    assert result.reason == ikm.TOO_FEW and not result.published
    assert ikm.index(WORKED, min_sample=30).published
    nobody = ikm.index([], min_sample=30)
    assert nobody.respondents == 0 and nobody.reason == ikm.TOO_FEW


def test_an_element_answered_by_too_few_withholds_the_index():
    answers = [answer((4,) * 9)] * 30 + [answer((4,) * 8 + (None,))] * 5
    partial = [answer((4,) * 8 + (None,))] * 25 + [answer((4,) * 9)] * 10
    assert ikm.index(answers, min_sample=30).published
    result = ikm.index(partial, min_sample=30)
    assert result.respondents == 35 and result.answered[8] == 10
    assert not result.published and result.reason == ikm.TOO_FEW and result.nrr[8] is None


def test_a_score_outside_the_scale_is_refused():
    with pytest.raises(ValueError):
        ikm.index([answer((5,) * 9)], min_sample=1)


PHASE_I = schedule.Phase(id=1, name="Tahap I", starts_on=date(2025, 11, 1), ends_on=date(2025, 11, 30),
                         rule=schedule.RuleKind.WFH_WEEKDAYS, wfh_weekdays=frozenset({3}))
PHASE_II = schedule.Phase(id=2, name="Tahap II", starts_on=date(2025, 12, 1), ends_on=date(2025, 12, 31),
                          rule=schedule.RuleKind.FIFTY_FIFTY)


def constructed() -> list[ikm.Answer]:
    """30 on-site answers on other days (all 4), 30 online answers on WFH Thursdays (3 everywhere,
    but 1 for time to completion), 30 answers of another OPD in Tahap II (all 2)."""
    thursday, tuesday = date(2025, 11, 6), date(2025, 11, 4)
    return ([answer((4,) * 9, day=tuesday)] * 30
            + [answer((3, 3, 1, 3, 3, 3, 3, 3, 3), day=thursday, mode=ikm.ONLINE, wfh=True)] * 30
            + [answer((2,) * 9, day=date(2025, 12, 2), opd=OTHER_OPD, unit=2)] * 30)


def test_the_summary_splits_by_mode_wfh_day_scope_and_phase():
    s = ikm.summarize(constructed(), start=date(2025, 9, 1), end=date(2025, 12, 31),
                      phases=[PHASE_II, PHASE_I], min_sample=30, units=True)
    assert [p.id for p in s.phases] == [1, 2]
    whole = s.get(ikm.OPD, OPD)
    assert whole.respondents == 60
    wfh, other = s.get(ikm.OPD, OPD, split=ikm.WFH_DAY), s.get(ikm.OPD, OPD, split=ikm.OTHER_DAY)
    assert wfh.respondents == 30 and other.respondents == 30
    assert wfh.nrr[2] == 1 and other.nrr[2] == 4
    # by hand: WFH days (8×3 + 1)/9 × 25 = 69.44 (C); other days 100 (A)
    assert round(wfh.ikm, 2) == 69.44 and wfh.grade == "C"
    assert other.ikm == pytest.approx(100) and other.grade == "A"
    assert s.get(ikm.OPD, OPD, split=ikm.ONLINE).ikm == pytest.approx(wfh.ikm)
    assert s.get(ikm.OPD, OPD, split=ikm.ONSITE).ikm == pytest.approx(other.ikm)
    # the OPD's whole index mixes both: sum NRR = 3.5×8 + 2.5 = 30.5 → 84.72 (B)
    assert round(whole.ikm, 2) == 84.72 and whole.grade == "B"
    # the city: 90 answers; the other OPD only in Tahap II
    city = s.get(ikm.CITY)
    assert city.respondents == 90
    assert s.get(ikm.CITY, phase_id=1).respondents == 60 and s.get(ikm.CITY, phase_id=2).respondents == 30
    assert s.get(ikm.OPD, OTHER_OPD, phase_id=2).ikm == pytest.approx(50) and \
        s.get(ikm.OPD, OTHER_OPD, phase_id=2).grade == "D"
    assert s.get(ikm.OPD, OTHER_OPD, phase_id=1).respondents == 0
    assert s.get(ikm.UNIT, 1).respondents == 60
    # a split below the minimum has its count and no figure
    assert s.get(ikm.CITY, phase_id=1, split=ikm.WFH_DAY).published
    small = ikm.summarize(constructed()[:40], start=date(2025, 9, 1), end=date(2025, 12, 31),
                          phases=[PHASE_I], min_sample=30)
    assert small.get(ikm.OPD, OPD, split=ikm.WFH_DAY).respondents == 10
    assert small.get(ikm.OPD, OPD, split=ikm.WFH_DAY).reason == ikm.TOO_FEW
    assert small.get(ikm.OPD, OPD, split=ikm.OTHER_DAY).published


def test_answers_outside_the_range_are_left_out():
    s = ikm.summarize(constructed(), start=date(2025, 11, 5), end=date(2025, 11, 30), phases=[PHASE_I],
                      min_sample=1)
    assert s.get(ikm.CITY).respondents == 30
    assert s.get(ikm.CITY, split=ikm.WFH_DAY).respondents == 30

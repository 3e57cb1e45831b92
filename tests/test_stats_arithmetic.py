"""The arithmetic of the statistics, on plain values (no app, no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from portal import charts, stats
from portal.schedule import Phase, RuleKind


def rec(day, mode, output, staff, due=None, submitted=None, opd=1):
    due = staff if due is None else due
    return stats.DayRecord(opd, day, mode, output, staff, due, due if submitted is None else submitted)


THU, FRI = date(2025, 11, 6), date(2025, 11, 7)


def test_output_per_staff_day_weighs_every_staff_day_equally():
    # 100 by 10 staff and 20 by 10 staff: 120 / 20 = 6, not the mean of 10 and 2.
    figures = stats.figures([rec(THU, "wfo", 100, 10), rec(FRI, "wfo", 20, 10)])
    assert figures.output_per_staff_day == 6
    assert stats.figures([]).output_per_staff_day is None


def test_ratio_and_compliance_by_mode():
    comparison = stats.compare([
        rec(THU, "wfh", 30, 10, due=10, submitted=7),
        rec(FRI, "wfo", 50, 10, due=10, submitted=10),
        rec(FRI, "wfh", 12, 4, due=4, submitted=4),
    ])
    assert comparison.wfh.output_per_staff_day == (30 + 12) / (10 + 4)
    assert comparison.ratio == 3 / 5
    assert comparison.wfh.compliance == 11 / 14 and comparison.wfo.compliance == 1
    assert comparison.days_with_records == 2  # Friday's two modes are one agency-day
    assert comparison.output_per_recorded_day == 92 / 2


def test_no_wfh_day_means_no_ratio_not_zero():
    assert stats.compare([rec(THU, "wfo", 50, 10)]).ratio is None


def test_records_fall_into_the_phase_of_their_date_clipped_to_the_range():
    baseline = Phase(1, "Normal", date(2025, 1, 1), date(2025, 10, 31), RuleKind.REGULAR)
    tahap_1 = Phase(2, "Tahap I", date(2025, 11, 1), date(2025, 11, 30), RuleKind.WFH_WEEKDAYS, frozenset({3}))
    records = [rec(date(2025, 10, 31), "wfo", 10, 2), rec(THU, "wfh", 6, 2), rec(date(2026, 1, 5), "wfo", 1, 1)]
    rows = stats.by_phase(records, [tahap_1, baseline], date(2025, 10, 1), date(2026, 1, 31))
    assert [(r.phase.name if r.phase else None, r.starts_on, r.ends_on, r.comparison.all.output) for r in rows] == [
        ("Normal", date(2025, 10, 1), date(2025, 10, 31), 10),
        ("Tahap I", date(2025, 11, 1), date(2025, 11, 30), 6),
        (None, date(2026, 1, 5), date(2026, 1, 5), 1),  # no phase covers it: shown apart, not lost
    ]


def test_weeks_without_records_stay_in_the_trend_as_gaps():
    weeks = stats.by_week([rec(date(2025, 11, 3), "wfo", 10, 2), rec(date(2025, 11, 19), "wfo", 8, 2)],
                          date(2025, 11, 1), date(2025, 11, 20))
    assert [w.week_start for w in weeks] == [date(2025, 10, 27), date(2025, 11, 3), date(2025, 11, 10),
                                             date(2025, 11, 17)]
    assert [w.comparison.wfo.output_per_staff_day for w in weeks] == [None, 5, None, 4]
    assert weeks[1].iso_week == "2025-W45"


def test_completeness_counts_working_days_of_agencies_expected_to_report():
    holiday = date(2025, 11, 5)
    expected = stats.working_days(date(2025, 11, 3), date(2025, 11, 9), {holiday})
    assert expected == [date(2025, 11, 3), date(2025, 11, 4), THU, FRI]
    records = [rec(THU, "wfo", 1, 1), rec(THU, "wfh", 1, 1), rec(date(2025, 11, 8), "wfo", 1, 1),
               rec(FRI, "wfo", 1, 1, opd=2), rec(FRI, "wfo", 1, 1, opd=3)]
    result = stats.completeness(records, [1, 2], expected)
    # Agency 1 on Thursday (both modes: one day), agency 2 on Friday; Saturday and agency 3 not expected.
    assert (result.days_with_records, result.expected_days, result.share) == (2, 8, 0.25)


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def fact(created: datetime, answered: datetime | None, opd=1, category="other"):
    return stats.ReportFact(opd, category, created, created.date(), answered, answered.date() if answered else None)


def test_answer_within_target_counts_working_days_after_the_report():
    holidays = {date(2025, 11, 10)}  # Monday
    # Created Thursday 6 Nov; 3 working days: Fri 7, Tue 11, Wed 12 (Monday is a holiday).
    assert stats.report_deadline(THU, 3, holidays) == date(2025, 11, 12)
    facts = [
        fact(at(THU, 2), at(date(2025, 11, 12), 9)),  # on the last day: within
        fact(at(THU, 2), at(date(2025, 11, 13), 2)),  # a day late
        fact(at(THU, 2), None),  # never answered, past the deadline: late
        fact(at(date(2025, 11, 14), 2), None),  # not answered yet but still in time: pending
    ]
    result = stats.report_figures(facts, 3, holidays, today=date(2025, 11, 14))
    assert (result.count, result.answered, result.answered_within_target, result.pending) == (4, 2, 1, 1)
    assert result.share_within_target == 1 / 3
    assert result.median_hours == (6 * 24 + 7 + 7 * 24) / 2


def test_costs_are_compared_with_the_mean_of_the_baseline_months():
    baseline = Phase(1, "Normal", date(2025, 1, 1), date(2025, 10, 31), RuleKind.REGULAR)
    trial = Phase(2, "Tahap I", date(2025, 11, 1), date(2025, 11, 30), RuleKind.WFH_WEEKDAYS)
    assert stats.baseline_phase([trial, baseline]) == baseline
    facts = [stats.CostFact(1, date(2025, 9, 1), "electricity", 100), stats.CostFact(2, date(2025, 9, 1), "water", 20),
             stats.CostFact(1, date(2025, 10, 1), "electricity", 140), stats.CostFact(1, date(2025, 11, 1), "fuel", 117)]
    summary = stats.cost_summary(facts, stats.months(date(2025, 9, 15), date(2025, 12, 2)), baseline)
    assert summary.baseline_mean == (120 + 140) / 2
    assert [(m.month.month, m.total, m.baseline, m.opds_reporting) for m in summary.months] == [
        (9, 120, True, 2), (10, 140, True, 1), (11, 117, False, 1), (12, None, False, 0)]
    assert summary.months[2].change_vs_baseline == pytest.approx(-0.1)
    assert summary.months[3].change_vs_baseline is None


def test_no_baseline_without_a_trial():
    assert stats.baseline_phase([Phase(1, "Normal", date(2025, 1, 1), None, RuleKind.REGULAR)]) is None


def test_default_range_is_the_trial_and_the_two_months_before():
    phases = [Phase(1, "Normal", date(2025, 1, 1), date(2025, 10, 31), RuleKind.REGULAR),
              Phase(2, "Tahap I", date(2025, 11, 1), date(2025, 11, 30), RuleKind.WFH_WEEKDAYS),
              Phase(3, "Tahap II", date(2025, 12, 1), date(2025, 12, 31), RuleKind.FIFTY_FIFTY)]
    assert stats.default_range(phases, date(2026, 11, 23)) == (date(2025, 9, 1), date(2025, 12, 31))
    assert stats.default_range(phases[:1], date(2026, 1, 31)) == (date(2025, 11, 2), date(2026, 1, 31))


def opd_row(name, ratio_output, reports=0):
    info = stats.OpdInfo(hash(name) % 1000, name.lower(), name, name)
    records = [rec(THU, "wfo", 10, 10)] + ([rec(FRI, "wfh", ratio_output, 10)] if ratio_output is not None else [])
    return stats.OpdRow(info, stats.compare(records), stats.Completeness(1, 2),
                        stats.ReportFigures(count=reports))


def test_ranking_sorts_either_way_and_keeps_missing_values_last():
    rows = [opd_row("Bapenda", 8), opd_row("Dinsos", None), opd_row("Arsip", 12), opd_row("Camat", 8)]
    assert [r.opd.short_name for r in stats.sort_rows(rows, "ratio")] == ["Bapenda", "Camat", "Arsip", "Dinsos"]
    assert [r.opd.short_name for r in stats.sort_rows(rows, "-ratio")] == ["Arsip", "Bapenda", "Camat", "Dinsos"]
    assert [r.opd.short_name for r in stats.sort_rows(rows, "opd")] == ["Arsip", "Bapenda", "Camat", "Dinsos"]
    assert stats.valid_sort("-within_target") and not stats.valid_sort("--ratio") and not stats.valid_sort("gaji")


def test_bar_chart_draws_no_bar_for_a_missing_value():
    chart = charts.hbar_chart([("Tahap I", [4.0, 2.0]), ("Normal", [3.0, None])],
                              [charts.Series("wfo", "WFO"), charts.Series("wfh", "WFH")], str)
    first, second = chart.groups
    assert first.bars[0].width == charts.WIDTH - charts.VALUE_ROOM  # the longest bar fills the span
    assert first.bars[1].width == first.bars[0].width / 2
    assert second.bars[1].value is None and second.bars[1].width == 0 and second.bars[1].text == "–"


def test_line_chart_breaks_at_missing_weeks_and_uses_round_ticks():
    chart = charts.line_chart(["a", "b", "c", "d"], [(charts.Series("wfh", "WFH"), [1.0, None, 4.03, 3.0])], str)
    assert [len(segment) for segment in chart.lines[0].segments] == [1, 2]
    assert [label for _y, label in chart.y_ticks] == ["0.0", "1.0", "2.0", "3.0", "4.0", "5.0"]
    assert charts.nice_step(813_000_000) == 200_000_000


@pytest.mark.parametrize("start, end", [(date(2025, 1, 30), date(2025, 3, 1)), (date(2024, 12, 31), date(2025, 1, 1))])
def test_months_overlapping_a_range(start, end):
    months = stats.months(start, end)
    assert months[0] == start.replace(day=1) and months[-1] == end.replace(day=1)
    assert all(b - a <= timedelta(days=31) for a, b in zip(months, months[1:]))

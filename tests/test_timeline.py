"""The trial's timeline on the home page (past, in force, upcoming phases, each with a day to look
at) and phase boundaries on /jadwal: the pure module on hand-made phases, the pages on the demo."""

from __future__ import annotations

import re
from datetime import date

import pytest

from portal import timeline
from portal.schedule import Holiday, Phase, RuleKind


TAHAP_I = Phase(1, "Tahap I", date(2025, 11, 1), date(2025, 11, 30), RuleKind.WFH_WEEKDAYS, frozenset({3}))
TAHAP_II = Phase(2, "Tahap II", date(2025, 12, 1), date(2025, 12, 31), RuleKind.FIFTY_FIFTY)
AFTER = Phase(3, "Pasca", date(2026, 1, 1), None, RuleKind.REGULAR)
PHASES = [AFTER, TAHAP_II, TAHAP_I]  # any order


def test_phases_are_past_in_force_or_upcoming_as_seen_from_the_day():
    seen = timeline.build(PHASES, {}, date(2025, 12, 10))
    assert [(stage.phase.name, stage.when) for stage in seen.stages] == [
        ("Tahap I", "past"), ("Tahap II", "current"), ("Pasca", "upcoming")]
    assert seen.work_from_home_in_force and seen.nearest is None


def test_tahap_1_is_shown_by_the_thursday_nearest_its_middle():
    assert timeline.sample_day(TAHAP_I, PHASES, {}) == date(2025, 11, 13)
    # A holiday on that Thursday: the next nearest Thursday instead.
    holidays = {date(2025, 11, 13): Holiday(date(2025, 11, 13), "Libur uji")}
    assert timeline.sample_day(TAHAP_I, PHASES, holidays) == date(2025, 11, 20)
    assert timeline.sample_day(TAHAP_II, PHASES, {}) == date(2025, 12, 16)  # a Tuesday, 50-50 applies
    assert timeline.sample_day(AFTER, PHASES, {}).weekday() < 5


def test_a_phase_overlapped_everywhere_has_no_sample_day():
    hidden = Phase(9, "Tertutup", date(2025, 11, 10), date(2025, 11, 12), RuleKind.ROTATION)
    later = Phase(10, "Menimpa", date(2025, 11, 9), date(2025, 11, 20), RuleKind.REGULAR)
    phases = [hidden, later]
    later_started = Phase(10, "Menimpa", date(2025, 11, 10), date(2025, 11, 20), RuleKind.REGULAR)
    assert timeline.sample_day(hidden, [hidden, later_started], {}) is None
    assert timeline.sample_day(hidden, phases, {}) == date(2025, 11, 11)  # hidden starts later: it wins


@pytest.mark.parametrize("day, nearest", [
    (date(2025, 10, 20), "Tahap I"),  # before: the upcoming one
    (date(2026, 3, 1), "Tahap II"),  # after, in a regular phase: the last one
    (date(2027, 6, 1), "Tahap II"),
])
def test_outside_the_trial_the_nearest_work_from_home_phase_is_named(day, nearest):
    seen = timeline.build(PHASES, {}, day)
    assert not seen.work_from_home_in_force
    assert seen.nearest.phase.name == nearest


def test_the_upcoming_phase_wins_a_tie():
    before = Phase(1, "A", date(2025, 1, 1), date(2025, 1, 10), RuleKind.FIFTY_FIFTY)
    after = Phase(2, "B", date(2025, 1, 20), date(2025, 1, 30), RuleKind.FIFTY_FIFTY)
    assert timeline.build([before, after], {}, date(2025, 1, 15)).nearest.phase.name == "B"
    assert timeline.build([], {}, date(2025, 1, 15)).nearest is None


def test_boundaries_are_the_first_day_of_a_phase_and_the_day_after_the_last():
    days = [date(2025, 11, 28) + (date(2025, 1, 2) - date(2025, 1, 1)) * n for n in range(7)]
    found = timeline.boundaries([TAHAP_I, TAHAP_II], days)
    assert list(found) == [date(2025, 12, 1)]
    assert found[date(2025, 12, 1)].starts == TAHAP_II and found[date(2025, 12, 1)].ends == TAHAP_I
    ending = timeline.boundaries([TAHAP_II], [date(2025, 12, 31), date(2026, 1, 1)])
    assert list(ending) == [date(2026, 1, 1)] and ending[date(2026, 1, 1)].starts is None
    assert list(timeline.boundaries([TAHAP_I], [date(2025, 11, 1)])) == [date(2025, 11, 1)]


# --- the pages, on the demo data (today pinned: the dates stay within the accepted range) -------

def phase_items(html: str) -> list[tuple[str, str]]:
    """(when, phase name) of every phase on the home page's timeline, in order."""
    return re.findall(r'<li class="phase phase-(\w+)"[^>]*>\s*<p class="phase-head"><span class="tag">[^<]*'
                      r'</span> <strong class="phase-name">([^<]+)</strong>', html)


def timeline_section(html: str) -> str:
    return re.search(r'<section class="phase-timeline".*?</section>', html, re.S).group(0)


@pytest.mark.demo
@pytest.mark.config(TODAY="2025-11-05")
def test_home_page_before_every_phase_says_none_is_in_force_and_points_to_tahap_1(client):
    html = timeline_section(client.get("/?tanggal=2024-06-06").get_data(as_text=True))
    assert "Tidak ada tahap kerja dari rumah yang berlaku pada Kamis, 6 Juni 2024" in html
    assert "Tahap terdekat, Tahap I: WFH setiap Kamis, dimulai pada Sabtu, 1 November 2025." in html
    assert [when for when, name in phase_items(html)] == ["upcoming"] * 4
    assert "Berlaku" not in html


@pytest.mark.demo
@pytest.mark.config(TODAY="2025-11-05")
def test_home_page_before_the_trial_points_to_tahap_1(client):
    html = timeline_section(client.get("/?tanggal=2025-10-23").get_data(as_text=True))
    assert "Tidak ada tahap kerja dari rumah yang berlaku pada Kamis, 23 Oktober 2025" in html
    assert "Tahap terdekat, Tahap I: WFH setiap Kamis, dimulai pada Sabtu, 1 November 2025." in html
    assert '<a href="/?tanggal=2025-11-13">lihat Kamis, 13 November 2025</a>' in html
    assert phase_items(html) == [
        ("current", "Pola kerja normal (sebelum uji coba)"), ("upcoming", "Tahap I: WFH setiap Kamis"),
        ("upcoming", "Tahap II: pola 50-50"), ("upcoming", "Pasca uji coba: pola kerja normal")]
    assert "<details class=\"phase-details\" open>" in html
    assert "<summary>Semua 4 tahap kebijakan: tanggal, aturan, OPD yang dikecualikan</summary>" in html


@pytest.mark.demo
@pytest.mark.config(TODAY="2025-11-05")
def test_home_page_during_tahap_2_marks_it_in_force_with_its_rule_and_exemptions(client):
    html = timeline_section(client.get("/?tanggal=2025-12-03").get_data(as_text=True))
    assert "Tidak ada tahap kerja dari rumah" not in html
    assert phase_items(html) == [
        ("past", "Pola kerja normal (sebelum uji coba)"), ("past", "Tahap I: WFH setiap Kamis"),
        ("current", "Tahap II: pola 50-50"), ("upcoming", "Pasca uji coba: pola kerja normal")]
    assert 'aria-current="true"' in html
    assert "Berlaku pada hari yang dipilih" in html  # the chosen day is not today
    today = timeline_section(client.get("/").get_data(as_text=True))  # 5 Nov 2025, in Tahap I
    assert ("current", "Tahap I: WFH setiap Kamis") in phase_items(today) and "Berlaku hari ini" in today
    assert "1 Nov 2025 – 30 Nov 2025" in html
    assert "ASN bekerja dari rumah setiap Kamis" in html  # Tahap I's rule in words
    assert "Tidak ada OPD yang dikecualikan." in html
    assert '<a href="/?tanggal=2025-12-16">lihat Selasa, 16 Desember 2025</a>' in html
    assert "<details class=\"phase-details\">" in html  # folded: the banner already says the rule


@pytest.mark.demo
@pytest.mark.config(TODAY="2025-11-05")
def test_home_page_after_the_trial_says_so_plainly_in_english_too(client):
    html = timeline_section(client.get("/?tanggal=2026-02-05&lang=en").get_data(as_text=True))
    assert "No work-from-home phase is in force on Thursday, 5 February 2026" in html
    assert "The nearest phase, Phase II: 50-50 pattern, ended on Wednesday, 31 December 2025." in html
    assert '<a href="/?tanggal=2025-12-16&amp;lang=en">see Tuesday, 16 December 2025</a>' in html
    assert ("current", "After the trial: regular pattern") in phase_items(html)
    assert "In force on the chosen day" in html
    assert "from 1 Jan 2026, no end date set" in html


@pytest.mark.demo
@pytest.mark.config(TODAY="2025-11-05")
def test_exempt_agencies_are_named(app, client):
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import Opd, PolicyPhase

    with app.app_context():
        phase = db.session.scalar(select(PolicyPhase).filter_by(rule="fifty_fifty"))
        phase.exempt_opds.append(db.session.scalar(select(Opd).filter_by(slug="dispusip")))
        db.session.commit()
        name = db.session.scalar(select(Opd.name).filter_by(slug="dispusip"))
    html = timeline_section(client.get("/?tanggal=2025-12-03").get_data(as_text=True))
    assert f"OPD yang dikecualikan (jam reguler): {name}." in html


@pytest.mark.demo
@pytest.mark.config(TODAY="2025-11-05")
def test_home_fragment_carries_the_timeline_of_the_new_day(client, hx):
    html = client.get("/?tanggal=2026-02-05", headers=hx).get_data(as_text=True)
    assert "Tidak ada tahap kerja dari rumah yang berlaku pada Kamis, 5 Februari 2026" in html


@pytest.mark.demo
@pytest.mark.config(TODAY="2025-11-05")
def test_jadwal_marks_the_first_day_of_a_phase_in_the_grid_header(client):
    html = client.get("/jadwal?mulai=2025-11-27&hari=7").get_data(as_text=True)
    headers = re.findall(r'<th scope="col" class="([^"]*)"[^>]*><a href="/\?tanggal=([\d-]+)">[^<]+</a>'
                         r'(?:<span class="phase-mark"><span aria-hidden="true">▶</span> ([^<]+)</span>)?</th>',
                         html)
    assert len(headers) == 7
    marked = [(day, text) for css, day, text in headers if text]
    assert marked == [("2025-12-01", "Mulai Tahap II: pola 50-50")]
    assert all(("phase-boundary" in css) == bool(text) for css, day, text in headers)
    # A phase starting on the first day shown is marked too; a plain week has no marker.
    first = client.get("/jadwal?mulai=2026-01-01&hari=7&lang=en").get_data(as_text=True)
    assert "Start of After the trial: regular pattern" in first
    assert "phase-mark" not in client.get("/jadwal?mulai=2025-11-10&hari=7").get_data(as_text=True)


@pytest.mark.config(TODAY="2025-11-05")
def test_a_work_from_home_phase_overlapped_by_a_regular_one_is_named_without_an_end(app, client):
    from portal.extensions import db

    from . import factories as f

    with app.app_context():
        f.phase("Rotasi tanpa akhir", date(2025, 9, 1), None, "rotation")
        f.phase("Kembali normal", date(2025, 10, 1), None, "regular")
        db.session.commit()
    response = client.get("/?tanggal=2025-10-16")
    assert response.status_code == 200
    html = timeline_section(response.get_data(as_text=True))
    assert "Tahap terdekat, Rotasi tanpa akhir, dimulai pada Senin, 1 September 2025; tahap yang " \
           "dimulai kemudian berlaku sebagai gantinya." in html
    assert phase_items(html) == [("replaced", "Rotasi tanpa akhir"), ("current", "Kembali normal")]
    assert "Digantikan tahap berikutnya" in html

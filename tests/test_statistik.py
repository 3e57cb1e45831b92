"""/statistik, /statistik.csv and /api/v1/statistics over a hand-made data set: every figure
is worked out by hand here (see tests/stats_data.py for the records) and must be the same on
the page, in the CSV and in the API."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest

from . import stats_data
from .html_tables import table, text

pytestmark = pytest.mark.config(TODAY=stats_data.TODAY)

RANGE = "dari=2025-09-01&sampai=2025-12-31"
API_RANGE = "from=2025-09-01&to=2025-12-31"

# --- the hand computation (all agencies, all indicators, 1 Sep – 31 Dec 2025) -----------------
WFO_OUTPUT = 50 + 40 + 50 + 25 + 15  # = 180
WFO_STAFF = 10 + 10 + 10 + 5 + 5  # = 40
WFH_OUTPUT = 30 + 15 + 9  # = 54
WFH_STAFF = 10 + 5 + 3  # = 18
WFO_PER_STAFF_DAY = WFO_OUTPUT / WFO_STAFF  # 4.5
WFH_PER_STAFF_DAY = WFH_OUTPUT / WFH_STAFF  # 3.0
RATIO = WFH_PER_STAFF_DAY / WFO_PER_STAFF_DAY  # 0.6667
COMPLIANCE_WFO = (10 + 9 + 10 + 5 + 4) / (10 + 10 + 10 + 5 + 5)  # 38/40 = 0.95
COMPLIANCE_WFH = (7 + 4 + 3) / (10 + 5 + 3)  # 14/18 = 0.7778
# Phases: output per agency-day with records (the "phase means") and the WFH/WFO ratios.
BASELINE_MEAN = (50 + 40) / 2  # 45: two agency-days in the baseline (Oct 1 and 2)
TAHAP_I_MEAN = (30 + 50 + 9 + 15) / 4  # 26: A and B on Nov 6 and 7
TAHAP_II_MEAN = (25 + 15) / 1  # 40: A on Dec 1, both modes
TAHAP_I_RATIO = ((30 + 9) / (10 + 3)) / ((50 + 15) / (10 + 5))  # 3 / 4.3333 = 0.6923
TAHAP_II_RATIO = (15 / 5) / (25 / 5)  # 0.6
# Reports: R1 (6 h), R2 (144 h, late), R3 (24 h), R4 (12 h, confidential), R6 (never, late), R7 (24 h).
REPORTS = 6
WITHIN_TARGET_SHARE = 4 / 6  # R1, R3, R4, R7
MEDIAN_HOURS = 24.0  # of 6, 12, 24, 24, 144
MEDIAN_HOURS_A = (12 + 24) / 2  # of 6, 12, 24, 144
# Costs of A: baseline mean of Sep (1.2 M) and Oct (1.4 M).
BASELINE_COST = (1_200_000 + 1_400_000) / 2
NOVEMBER_CHANGE = (1_170_000 - BASELINE_COST) / BASELINE_COST  # -0.10
DECEMBER_CHANGE = (1_040_000 - BASELINE_COST) / BASELINE_COST  # -0.20


def indonesian(value: float, digits: int) -> str:
    """How the page writes a number in Indonesian: 1.234,5."""
    text = f"{value:,.{digits}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def percent_id(value: float, digits: int = 1) -> str:
    return indonesian(value * 100, digits) + "%"


@pytest.fixture
def data(app):
    with app.app_context():
        return stats_data.build()


def stats_csv(client, query: str) -> list[dict]:
    response = client.get(f"/statistik.csv?{query}")
    assert response.status_code == 200
    assert response.data.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def csv_value(rows, section, measure, mode="", label=None, opd=None, category=None, period_start=None):
    found = [r for r in rows if r["section"] == section and r["measure"] == measure and r["mode"] == mode
             and (label is None or r["label"] == label) and (opd is None or r["opd"] == opd)
             and (category is None or r["category"] == category)
             and (period_start is None or r["period_start"] == period_start)]
    assert len(found) == 1, (section, measure, mode, label, found)
    return found[0]["value"]


def test_key_figures_on_the_page_equal_the_hand_computation(client, data):
    html = client.get(f"/statistik?{RANGE}").get_data(as_text=True)
    assert text(html, "fig-wfo") == indonesian(WFO_PER_STAFF_DAY, 2) == "4,50"
    assert text(html, "fig-wfh") == indonesian(WFH_PER_STAFF_DAY, 2) == "3,00"
    assert text(html, "fig-ratio") == indonesian(RATIO, 2) == "0,67"
    assert text(html, "fig-compliance-wfo") == percent_id(COMPLIANCE_WFO) == "95,0%"
    assert text(html, "fig-compliance-wfh") == percent_id(COMPLIANCE_WFH) == "77,8%"
    assert text(html, "fig-median") == "24,0 jam"
    assert text(html, "fig-within-target") == percent_id(WITHIN_TARGET_SHARE) == "66,7%"


def test_phase_table_shows_the_phase_means_and_ratios(client, data):
    rows = table(client.get(f"/statistik?{RANGE}").get_data(as_text=True), "table-phases")
    # columns: dates, agency-days, mean per agency-day, per staff-day all, WFO, WFH, ratio
    assert rows["Pola kerja normal"][1:] == ["2", indonesian(BASELINE_MEAN, 2), "4,50", "4,50", "–", "–"]
    assert rows["Tahap I"][1:] == ["4", indonesian(TAHAP_I_MEAN, 2), indonesian(104 / 28, 2),
                                   indonesian(65 / 15, 2), "3,00", indonesian(TAHAP_I_RATIO, 2)]
    assert rows["Tahap II"][1:] == ["1", indonesian(TAHAP_II_MEAN, 2), "4,00", "5,00", "3,00",
                                    indonesian(TAHAP_II_RATIO, 2)]
    compliance = table(client.get(f"/statistik?{RANGE}").get_data(as_text=True), "table-compliance")
    # Tahap I: WFO A 10 of 10 and B 4 of 5; WFH A 7 of 10 and B 3 of 3.
    assert compliance["Tahap I"] == ["14 / 15", percent_id(14 / 15), "10 / 13", percent_id(10 / 13)]


def test_reports_and_costs_on_the_page(client, data):
    html = client.get(f"/statistik?{RANGE}").get_data(as_text=True)
    reports = table(html, "table-reports")
    assert reports["Disdukcapil"] == ["5", "4", percent_id(3 / 5), indonesian(MEDIAN_HOURS_A, 1)]
    assert reports["DPMPTSP"] == ["1", "1", "100,0%", "24,0"]
    assert reports["Semua"] == [str(REPORTS), "5", percent_id(WITHIN_TARGET_SHARE), "24,0"]
    categories = table(html, "table-categories")
    # R2 (late) and R6 (never answered) are "closed though open": none within target.
    assert categories["Tutup padahal dijadwalkan buka"][:2] == ["2", "0,0%"]
    costs = table(html, "table-costs")
    assert costs["11/2025"][-3:] == ["1.170.000", percent_id(NOVEMBER_CHANGE), "1"]
    assert costs["12/2025"][-3:] == ["1.040.000", percent_id(DECEMBER_CHANGE), "1"]
    assert "Rp 1.300.000" in html


def test_csv_has_the_same_figures(client, data):
    rows = stats_csv(client, RANGE)
    assert list(rows[0].keys()) == ["section", "opd", "period_start", "period_end", "label", "mode",
                                    "category", "measure", "value"]
    assert float(csv_value(rows, "summary", "output_per_staff_day", "wfo")) == WFO_PER_STAFF_DAY
    assert float(csv_value(rows, "summary", "output_per_staff_day", "wfh")) == WFH_PER_STAFF_DAY
    assert float(csv_value(rows, "summary", "wfh_wfo_ratio")) == round(RATIO, 4)
    assert float(csv_value(rows, "summary", "compliance", "wfo")) == COMPLIANCE_WFO
    assert float(csv_value(rows, "summary", "compliance", "wfh")) == round(COMPLIANCE_WFH, 4)
    assert float(csv_value(rows, "phase", "output_per_recorded_day", label="Pola kerja normal")) == BASELINE_MEAN
    assert float(csv_value(rows, "phase", "output_per_recorded_day", label="Tahap I")) == TAHAP_I_MEAN
    assert float(csv_value(rows, "phase", "output_per_recorded_day", label="Tahap II")) == TAHAP_II_MEAN
    assert float(csv_value(rows, "phase", "wfh_wfo_ratio", label="Tahap I")) == round(TAHAP_I_RATIO, 4)
    assert csv_value(rows, "phase", "wfh_wfo_ratio", label="Pola kerja normal") == ""  # no WFH day: no ratio
    assert float(csv_value(rows, "reports", "median_hours_to_first_answer", category="")) == MEDIAN_HOURS
    assert float(csv_value(rows, "reports", "share_within_target", category="")) == round(WITHIN_TARGET_SHARE, 4)
    assert float(csv_value(rows, "opd_reports", "median_hours_to_first_answer", opd="disdukcapil")) == MEDIAN_HOURS_A
    assert float(csv_value(rows, "cost", "change_vs_baseline", category="total",
                           period_start="2025-11-01")) == NOVEMBER_CHANGE
    weeks = [r for r in rows if r["section"] == "week" and r["measure"] == "output" and r["mode"] == "wfh"]
    assert (weeks[9]["label"], weeks[9]["period_start"], weeks[9]["period_end"], weeks[9]["value"]) == (
        "2025-W45", "2025-11-03", "2025-11-09", str(30 + 9))
    assert float(csv_value(rows, "cost", "baseline_monthly_mean", category="total")) == BASELINE_COST


def test_api_has_the_same_figures(client, data):
    doc = client.get(f"/api/v1/statistics?{API_RANGE}").get_json()
    assert doc["summary"]["wfo"]["output_per_staff_day"] == WFO_PER_STAFF_DAY
    assert doc["summary"]["wfh"]["output_per_staff_day"] == WFH_PER_STAFF_DAY
    assert doc["summary"]["wfh_wfo_ratio"] == round(RATIO, 4)
    assert doc["summary"]["wfo"]["compliance"] == COMPLIANCE_WFO
    assert doc["summary"]["wfh"]["compliance"] == round(COMPLIANCE_WFH, 4)
    phases = {row["phase"]["name"]: row for row in doc["phases"]}
    assert phases["Pola kerja normal"]["output_per_recorded_day"] == BASELINE_MEAN
    assert phases["Pola kerja normal"]["from"] == "2025-09-01"  # the phase clipped to the range
    assert phases["Tahap I"]["output_per_recorded_day"] == TAHAP_I_MEAN
    assert phases["Tahap II"]["output_per_recorded_day"] == TAHAP_II_MEAN
    assert phases["Tahap II"]["wfh_wfo_ratio"] == TAHAP_II_RATIO
    assert doc["reports"]["count"] == REPORTS
    assert doc["reports"]["median_hours_to_first_answer"] == MEDIAN_HOURS
    assert doc["reports"]["share_within_target"] == round(WITHIN_TARGET_SHARE, 4)
    months = {m["month"]: m for m in doc["costs"]["months"]}
    assert months["2025-12"]["change_vs_baseline"] == DECEMBER_CHANGE
    assert months["2025-09"]["baseline"] and not months["2025-11"]["baseline"]
    assert doc["costs"]["baseline_monthly_mean"] == BASELINE_COST


def test_completeness_counts_expected_working_days_and_says_so(client, data):
    # Mon 3 – Fri 7 Nov: 5 working days × 2 agencies with indicators = 10; records on Thu and Fri.
    html = client.get("/statistik?dari=2025-11-03&sampai=2025-11-07").get_data(as_text=True)
    note = text(html, "kelengkapan")
    assert "4 dari 10" in note and "40,0%" in note and "6 tidak ada" in note
    doc = client.get("/api/v1/statistics?from=2025-11-03&to=2025-11-07").get_json()
    assert doc["completeness"] == {"days_with_records": 4, "expected_days": 10, "share": 0.4}


def test_missing_days_are_not_zero(client, data):
    """Only 2 of the 45 working days of the baseline have records: the mean is over those 2."""
    doc = client.get("/api/v1/statistics?from=2025-09-01&to=2025-10-31").get_json()
    assert doc["summary"]["output_per_recorded_day"] == BASELINE_MEAN
    assert doc["summary"]["wfo"]["records"] == 2
    assert doc["completeness"]["expected_days"] == 2 * (22 + 23)  # working days of Sep and Oct 2025
    assert doc["weeks"][0]["wfo"]["output_per_staff_day"] is None  # 1–7 Sep: no record, no figure


def test_one_agency_and_one_indicator(client, data):
    html = client.get(f"/statistik?{RANGE}&opd=disdukcapil&indikator=surat-naskah-diproses").get_data(as_text=True)
    surat_wfo = (10 + 10 + 6 + 5) / (10 + 10 + 10 + 5)
    surat_wfh = (10 + 5) / (10 + 5)
    assert text(html, "fig-wfo") == indonesian(surat_wfo, 2)
    assert text(html, "fig-wfh") == "1,00"
    assert text(html, "fig-ratio") == indonesian(surat_wfh / surat_wfo, 2)
    assert "naskah" in text(html, "h-phases") or "(naskah)" in html
    doc = client.get(f"/api/v1/statistics?{API_RANGE}&opd=dpmptsp").get_json()
    assert [row["opd"] for row in doc["opds"]] == ["dpmptsp"]
    assert doc["summary"]["wfh_wfo_ratio"] == 1.0  # 9/3 against 15/5


def test_ranking_sorts_by_url(client, data):
    def order(query):
        html = client.get(f"/statistik?{RANGE}&{query}").get_data(as_text=True)
        return re.findall(r'<tr data-opd="([\w-]+)"', html)

    # Ratio of A: (45/15) / (165/35) = 0.64; of B: (9/3) / (15/5) = 1.0.
    assert order("urut=ratio") == ["disdukcapil", "dpmptsp"]
    assert order("urut=-ratio") == ["dpmptsp", "disdukcapil"]
    assert order("") == ["disdukcapil", "dpmptsp"]  # by name
    html = client.get(f"/statistik?{RANGE}&urut=-ratio").get_data(as_text=True)
    assert 'aria-sort="descending"' in html


def test_page_answers_htmx_with_the_results_fragment(client, hx, data):
    response = client.get(f"/statistik?{RANGE}", headers=hx)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    assert "<header" not in html and 'id="fig-ratio"' in html and "<svg" in html
    # The sort order kept by the filter form (outside the results) follows out of band.
    assert '<input type="hidden" id="urut" name="urut" value="opd" data-hx-swap-oob="true">' in html


def test_full_page_has_filters_definitions_charts_and_no_script_of_its_own(client, data):
    response = client.get(f"/statistik?{RANGE}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert 'id="definisi"' in html and 'name="dari"' in html and 'data-hx-push-url="true"' in html
    assert html.count("<svg") >= 4 and 'role="img"' in html
    scripts = re.findall(r"<script[^>]*>", html)
    assert all("src=" in tag for tag in scripts)  # the charts need no JavaScript
    assert 'href="/statistik.csv?dari=2025-09-01&amp;sampai=2025-12-31"' in html


@pytest.mark.parametrize("query, message", [
    ("dari=2025-13-01", "bukan tanggal"),
    ("dari=2025-12-31&sampai=2025-09-01", "sebelum tanggal mulai"),
    ("dari=2023-06-01&sampai=2025-12-31", "paling lama"),
    ("opd=tidak-ada", "tidak dikenal"),
    ("indikator=tidak-ada", "tidak dikenal"),
    ("urut=gaji", "Urutan"),
])
def test_bad_filters_are_a_400_in_indonesian(client, data, query, message):
    for url in (f"/statistik?{query}", f"/statistik.csv?{query}"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert message in response.get_data(as_text=True)


def test_csv_of_raw_records_can_be_imported_again(client, runner, app, data, tmp_path):
    response = client.get(f"/statistik/data.csv?{RANGE}&opd=dpmptsp")
    body = response.data.decode("utf-8-sig")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert body.splitlines() == [
        "date,opd,mode,indicator,quantity,staff_on_duty,reports_due,reports_submitted",
        "2025-11-06,dpmptsp,wfh,izin-terbit,9,3,3,3",
        "2025-11-07,dpmptsp,wfo,izin-terbit,15,5,5,4",
    ]
    path = tmp_path / "again.csv"
    path.write_bytes(response.data)
    result = runner.invoke(args=["import-outputs", str(path)])
    assert result.exit_code == 0 and "0 new, 0 corrected, 2 already stored" in result.output


@pytest.mark.demo
def test_demo_statistics_for_september_to_december_show_wfh_and_wfo_for_every_agency(app, client):
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import Opd, OutputDay

    with app.app_context():
        with_records = set(db.session.scalars(select(Opd.slug).join(OutputDay, OutputDay.opd_id == Opd.id)
                                              .where(OutputDay.day.between(date(2025, 9, 1), date(2025, 12, 31)))))
    assert len(with_records) > 20
    html = client.get(f"/statistik?{RANGE}").get_data(as_text=True)
    ranking = dict(re.findall(r'<tr data-opd="([\w-]+)">(.*?)</tr>', html, re.S))
    for slug in with_records:
        cells = dict(re.findall(r'data-figure="(\w+)">([^<]*)<', ranking[slug]))
        assert re.fullmatch(r"\d+,\d\d", cells["wfo"]), (slug, cells)
        assert re.fullmatch(r"\d+,\d\d", cells["wfh"]), (slug, cells)
    phases = table(html, "table-phases")
    assert phases["Pola kerja normal (sebelum uji coba)"][5] == "–"  # no WFH day before the trial
    assert phases["Tahap I: WFH setiap Kamis"][5] != "–" and phases["Tahap II: pola 50-50"][5] != "–"


def test_an_empty_portal_still_answers_with_honest_blanks(client):
    """No phase, no record, no report: the page says so instead of showing zeros."""
    html = client.get("/statistik").get_data(as_text=True)
    assert "Tidak ada data output untuk pilihan ini" in html
    assert text(html, "fig-ratio") == "–"
    doc = client.get("/api/v1/statistics").get_json()
    assert doc["summary"]["wfh_wfo_ratio"] is None and doc["completeness"]["share"] is None
    assert client.get("/statistik.csv").status_code == 200


def test_a_large_raw_records_csv_is_streamed_in_pieces_with_validators(app, client):
    """Two years of raw records hold a million rows: the download is sent while it is read,
    never built whole in a worker's memory (it took 800 MB a worker), and still answers 304."""
    from portal.csv_export import to_csv
    from portal.demo.bench import generate
    from portal.extensions import db
    from portal.opendata import RECORD_COLUMNS, record_rows

    with app.app_context():
        generate(units=60, opds=12, records=30_000, reports=0)
        expected = to_csv(RECORD_COLUMNS, record_rows(date(2024, 1, 1), date(2025, 12, 30)))
        db.session.remove()
    url = "/statistik/data.csv?dari=2024-01-01&sampai=2025-12-30"
    response = client.get(url, buffered=False)
    assert response.is_streamed
    pieces = list(response.response)
    assert len(pieces) > 5  # a few thousand rows at a time
    assert b"".join(p if isinstance(p, bytes) else p.encode() for p in pieces).decode() == expected
    assert response.headers["Cache-Control"] == "public, max-age=60"
    again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304

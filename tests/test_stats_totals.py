"""The statistics read the daily totals (output_day_total), not the raw quantities: the figures
are the same as when computed from the raw records (on the demo and on a generated data set),
every writer keeps the totals right, and the page's queries do not grow with the phases."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, event, func, select

from portal import opendata, stats
from portal.demo.bench import generate
from portal.extensions import db
from portal.models import (Opd, OutputDay, OutputDaySum, OutputDayTotal, OutputIndicator, OutputMonthTotal,
                           PolicyPhase, ReportMonthTotal, ReportTiming, Role)
from portal.stats import month_last

from . import factories as f
from . import reporting

RANGES = [(date(2025, 9, 1), date(2025, 12, 31)), (date(2024, 1, 1), date(2025, 12, 30)),
          (date(2025, 11, 6), date(2025, 11, 6)), (date(2025, 10, 15), date(2026, 2, 10))]
# After every range; and within some (whole months of the range only partly past).
TODAYS = [date(2026, 1, 15), date(2025, 11, 20)]


def documents(start, end, opd=None, indicator=None, today=TODAYS[0], target_days=3):
    """The /api/v1/statistics document from the daily totals and from the raw records."""
    kwargs = dict(opd=opd, indicator_slug=indicator, today=today, target_days=target_days)
    from_totals = opendata.statistics_document(stats.load(start, end, **kwargs), opd, indicator)
    from_raw = opendata.statistics_document(stats.load(start, end, raw=True, **kwargs), opd, indicator)
    return from_totals, from_raw


def assert_same_figures(opd_slug: str, indicator: str) -> None:
    opd = db.session.scalar(select(Opd).filter_by(slug=opd_slug))
    for start, end in RANGES:
        for one_opd, one_indicator in ((None, None), (opd, None), (None, indicator)):
            from_totals, from_raw = documents(start, end, one_opd, one_indicator)
            assert from_totals == from_raw
        from_totals, from_raw = documents(start, end, today=TODAYS[1])
        assert from_totals == from_raw
        # A response target other than the one the month totals were written for.
        from_totals, from_raw = documents(start, end, target_days=1)
        assert from_totals == from_raw
    assert from_totals["summary"]["all"]["records"] > 0  # the comparison saw data


@pytest.mark.demo
def test_the_demo_statistics_are_the_same_from_the_totals_and_from_the_raw_records(app):
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutputDayTotal)) == \
            db.session.scalar(select(func.count()).select_from(OutputDay))
        assert_same_figures("disdukcapil", "surat-naskah-diproses")


@pytest.mark.slow
def test_a_generated_data_set_gives_the_same_statistics_from_the_totals_and_the_raw_records(app):
    with app.app_context():
        counts = generate(units=150, opds=40, records=15_000, reports=300)
        assert counts["records"] == 15_000 and counts["opds"] == 40 and counts["units"] == 150
        assert_same_figures("bench-opd-40", "bench-indikator-1")


@pytest.fixture
def agency(app):
    with app.app_context():
        a = f.opd("Disdukcapil")
        db.session.add(OutputIndicator(opd=a, slug="dokumen-terbit", name="Dokumen terbit", unit_of_measure="dokumen"))
        db.session.add(OutputIndicator(opd=a, slug="surat", name="Surat", unit_of_measure="surat"))
        f.user("admin-a@bekasikota.go.id", Role.OPD_ADMIN, a)
        db.session.commit()
        return {slug: id_ for slug, id_ in db.session.execute(select(OutputIndicator.slug, OutputIndicator.id))}


def api_summary(client, mode="wfh"):
    doc = client.get("/api/v1/statistics?from=2025-11-01&to=2025-11-30").get_json()
    return doc["summary"][mode]


@pytest.mark.config(TODAY="2025-11-10")
def test_the_entry_form_updates_the_statistics_at_once(client, auth, agency):
    auth.login("admin-a@bekasikota.go.id")
    data = {"opd": "disdukcapil", "day": "2025-11-06", "mode": "wfh", "staff_on_duty": "40", "reports_due": "40",
            "reports_submitted": "36", f"q_{agency['dokumen-terbit']}": "120", f"q_{agency['surat']}": "30"}
    assert client.post("/admin/output", data=data).status_code == 303
    summary = api_summary(client)
    assert (summary["output"], summary["staff_days"], summary["reports_submitted"]) == (150, 40, 36)
    # A correction replaces the figures; it does not add to them.
    assert client.post("/admin/output", data=data | {f"q_{agency['surat']}": "10", "reports_submitted": "38"}
                       ).status_code == 303
    summary = api_summary(client)
    assert (summary["output"], summary["staff_days"], summary["reports_submitted"]) == (130, 40, 38)


@pytest.mark.config(TODAY="2025-11-10")
def test_the_csv_import_on_the_web_and_on_the_command_line_updates_the_statistics(client, auth, runner, agency,
                                                                                   tmp_path):
    auth.login("admin-a@bekasikota.go.id")
    text = ("date,opd,mode,indicator,quantity,staff_on_duty,reports_due,reports_submitted\n"
            "2025-11-07,disdukcapil,wfo,dokumen-terbit,200,42,42,42\n"
            "2025-11-07,disdukcapil,wfo,surat,20,42,42,42\n")
    response = client.post("/admin/output/impor", content_type="multipart/form-data",
                           data={"action": "import", "file": (io.BytesIO(text.encode()), "output.csv")})
    assert response.status_code in (200, 303)
    assert api_summary(client, "wfo")["output"] == 220
    corrected = tmp_path / "koreksi.csv"
    corrected.write_text(text.replace(",200,", ",150,"))
    result = runner.invoke(args=["import-outputs", str(corrected)])
    assert result.exit_code == 0, result.output
    assert api_summary(client, "wfo")["output"] == 170


@pytest.mark.demo
def test_rebuild_stats_restores_lost_totals(app, client, runner):
    url = "/statistik.csv?dari=2025-09-01&sampai=2025-12-31"
    before = client.get(url).data
    with app.app_context():
        for derived in (OutputDayTotal, OutputDaySum, OutputMonthTotal):
            db.session.execute(delete(derived))
        db.session.commit()
    assert client.get(url).data != before
    result = runner.invoke(args=["rebuild-stats"])
    assert result.exit_code == 0 and "Rebuilt" in result.output
    assert client.get(url).data == before


@pytest.mark.demo
@pytest.mark.config(RESPONSE_CACHE=False)  # each request must render, not come from the cache
def test_the_statistics_page_does_not_load_each_phase_separately(app, client):
    def queries_on_statistik() -> int:
        seen = []
        with app.app_context():
            engine = db.engine
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get("/statistik").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    client.get("/statistik")
    before = queries_on_statistik()
    with app.app_context():
        opds = db.session.scalars(select(Opd).limit(3)).all()
        for n in range(6):
            phase = f.phase(f"Uji {n}", date(2023, 1, 1 + n), date(2023, 1, 1 + n), "regular")
            phase.exempt_opds = opds
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(PolicyPhase)) >= 8
    assert queries_on_statistik() == before


def report_figures_both_ways(start, end, opd=None):
    """The report part of the statistics document, from the report timings and from the reports."""
    from_timings, from_raw = documents(start, end, opd)
    return ({key: from_timings[key] for key in ("reports", "opds")},
            {key: from_raw[key] for key in ("reports", "opds")}, from_timings, from_raw)


@pytest.mark.demo
def test_every_report_write_and_holiday_keeps_the_report_figures_right(app):
    """New reports, answers, spam, forwarding, holidays: the statistics read from the report
    timings stay equal to those computed from the reports themselves, and they do change."""
    from datetime import datetime, time, timedelta

    from portal.clock import zone
    from portal.models import Holiday, Report, ReportTiming, User
    from portal.reports import service, triage

    day = date(2025, 11, 6)
    with app.app_context():
        start, end = date(2025, 11, 1), date(2025, 11, 30)
        _t, _r, before, _raw = report_figures_both_ways(start, end)
        unit = service.active_units()[0]
        admin = db.session.scalar(select(User).filter_by(email="admin@demo.bekasikota.go.id"))
        new, _created = service.submit(service.NewReport(unit=unit, category="no_staff",
                                                         description="Tidak ada petugas di loket pagi ini.",
                                                         visited_on=day, visited_at=None),
                                       prefix="BKS", max_links=2)
        new.created_at = datetime.combine(day, time(23, 30), tzinfo=zone())  # late on Thursday, Bekasi time
        db.session.commit()
        timings, raw, after_new, _raw = report_figures_both_ways(start, end)
        assert timings == raw
        assert after_new["reports"]["count"] == before["reports"]["count"] + 1

        # Answered on Wednesday: four working days after Thursday (Fri, Mon, Tue, Wed), late...
        triage.change_status(new, admin, "verified", public_message="Sedang kami periksa.")
        new.first_response_at = datetime.combine(day + timedelta(days=6), time(10), tzinfo=zone())
        db.session.commit()
        timings, raw, answered, _raw = report_figures_both_ways(start, end)
        assert timings == raw
        assert answered["reports"]["answered"] == after_new["reports"]["answered"] + 1
        assert answered["reports"]["answered_within_target"] == after_new["reports"]["answered_within_target"]
        # ...until Monday becomes a local holiday: then Wednesday is the third working day.
        holiday = Holiday(day=day + timedelta(days=4), name="Libur daerah uji", kind="local")
        db.session.add(holiday)
        db.session.commit()
        timings, raw, with_holiday, _raw = report_figures_both_ways(start, end)
        assert timings == raw
        assert with_holiday["reports"]["answered_within_target"] == answered["reports"]["answered_within_target"] + 1
        db.session.delete(holiday)
        db.session.commit()
        assert report_figures_both_ways(start, end)[2]["reports"] == answered["reports"]

        # Forwarded to another agency: its figures move with it.
        other = db.session.scalar(select(Opd).where(Opd.id != new.opd_id).order_by(Opd.id))
        triage.reassign(new, admin, other)
        db.session.commit()
        timings, raw, _doc, _raw = report_figures_both_ways(start, end, other)
        assert timings == raw and _doc["reports"]["count"] >= 1

        # Spam leaves every figure.
        triage.set_spam(new, admin, True)
        db.session.commit()
        timings, raw, spam, _raw = report_figures_both_ways(start, end)
        assert timings == raw and spam["reports"] == before["reports"]
        assert db.session.get(ReportTiming, new.id) is None
        assert db.session.scalar(select(func.count()).select_from(ReportTiming)) == db.session.scalar(
            select(func.count()).select_from(Report).where(Report.is_spam.is_(False)))


@pytest.mark.demo
def test_rebuild_stats_restores_lost_report_timings(app, client, runner):
    url = "/statistik.csv?dari=2025-09-01&sampai=2025-12-31"
    before = client.get(url).data
    with app.app_context():
        db.session.execute(delete(ReportTiming))
        db.session.commit()
    assert client.get(url).data != before  # the medians are gone: the figures come from the timings
    with app.app_context():
        db.session.execute(delete(ReportMonthTotal))
        db.session.commit()
    assert client.get(url).data != before
    result = runner.invoke(args=["rebuild-stats"])
    assert result.exit_code == 0 and "report timings" in result.output
    assert client.get(url).data == before


def stored_sums() -> tuple[dict, dict]:
    """The rows of output_day_sum and output_month_total, and those computed afresh from the daily totals."""
    from portal.statistik.totals import TOTAL_COLUMNS, sums_of

    def rows(model):
        return {tuple(row[:2]): tuple(row) for row in db.session.execute(
            select(*model.__table__.c).order_by(*model.__table__.primary_key.columns))}

    from portal.statistik.totals import _totals_select

    # The daily totals themselves are those of the raw records.
    assert {tuple(row) for row in db.session.execute(select(*TOTAL_COLUMNS))} == \
        {tuple(row) for row in db.session.execute(_totals_select())}
    days, months = sums_of(db.session.execute(select(*TOTAL_COLUMNS)))
    fresh_days = {(row["day"],): tuple(row[c.key] for c in OutputDaySum.__table__.c) for row in days.values()}
    fresh_months = {(row["month"], row["opd_id"]): tuple(row[c.key] for c in OutputMonthTotal.__table__.c)
                    for row in months.values()}
    stored_days = {key[:1]: row for key, row in rows(OutputDaySum).items()}
    return (stored_days, rows(OutputMonthTotal)), (fresh_days, fresh_months)


def test_every_output_write_keeps_the_date_and_month_sums_right(app, agency):
    """New records, corrected quantities, a record moved to another month and agency, a deletion:
    the sums per date and per agency and month stay those of the daily totals."""
    from portal.models import OutputQuantity

    with app.app_context():
        a = db.session.scalar(select(Opd).filter_by(slug="disdukcapil"))
        b = f.opd("DPMPTSP")
        days = []
        for n, (day, mode) in enumerate([(date(2025, 10, 31), "wfo"), (date(2025, 11, 1), "wfh"),
                                         (date(2025, 11, 3), "wfo"), (date(2025, 11, 3), "wfh")]):
            record = OutputDay(opd=a, day=day, mode=mode, staff_on_duty=10 + n, reports_due=10, reports_submitted=9)
            record.quantities = [OutputQuantity(indicator_id=agency["dokumen-terbit"], quantity=100 + n)]
            db.session.add(record)
            days.append(record)
        db.session.commit()
        stored, fresh = stored_sums()
        assert stored == fresh and len(stored[0]) == 3 and len(stored[1]) == 2
        days[2].quantities[0].quantity = 7  # a correction
        db.session.commit()
        assert stored_sums()[0] == stored_sums()[1]
        days[3].day, days[3].opd = date(2025, 12, 1), b  # moved to another month and agency
        db.session.commit()
        stored, fresh = stored_sums()
        assert stored == fresh and (date(2025, 12, 1), b.id) in stored[1] and len(stored[1]) == 3
        db.session.delete(days[1])
        db.session.commit()
        stored, fresh = stored_sums()
        assert stored == fresh and (date(2025, 11, 1),) not in stored[0]


def test_the_medians_from_the_month_totals_are_those_of_every_answer_time(app):
    """Distinct answer times, odd and even groups: the middle one or the mean of the middle two."""
    from tests.stats_data import report, wib

    with app.app_context():
        a, b = f.opd("Disdukcapil"), f.opd("DPMPTSP")
        unit_a, unit_b = f.unit("Loket A", owner=a), f.unit("Loket B", owner=b)
        minutes = {unit_a: [61, 7, 300, 45, 1000], unit_b: [20, 90, 36, 240]}  # five and four answers
        n = 0
        for unit, waits in minutes.items():
            for wait in waits:
                n += 1
                created = wib(2025, 11, 3 + n % 10, 9)
                category = "no_staff" if n % 2 else "closed_though_open"
                report(f"BKS-M{n:03d}", unit, created, created + timedelta(minutes=wait), category=category)
        db.session.commit()
        for start, end in [(date(2025, 11, 1), date(2025, 11, 30)), (date(2025, 10, 20), date(2025, 12, 31))]:
            from_totals, from_raw = documents(start, end)
            assert from_totals == from_raw
        medians = {row["opd"]: row["reports"]["median_hours_to_first_answer"] for row in from_totals["opds"]}
        medians |= {row["category"]: row["median_hours_to_first_answer"]
                    for row in from_totals["reports"]["by_category"]}
        medians["all"] = from_totals["reports"]["median_hours_to_first_answer"]
        # A: 7 45 [61] 300 1000 minutes; B: 20 [36 90] 240; no_staff (odd numbers): 61 90 [240] 300 1000;
        # closed_though_open: 7 [20 36] 45; all nine: 7 20 36 45 [61] 90 240 300 1000.
        assert medians == {"disdukcapil": round(61 / 60, 2), "dpmptsp": round(63 / 60, 2), "no_staff": 4.0,
                           "closed_though_open": round(28 / 60, 2), "all": round(61 / 60, 2)}


def post_reports_at_once(app, count: int) -> list:
    """``count`` residents sending a report about one unit at the same moment (a served app,
    threads); the answers."""
    import threading

    from werkzeug.serving import make_server

    from .reporting import build_world, form_data
    from .test_report_concurrency import post_all_at_once

    with app.app_context():
        build_world()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        return post_all_at_once(server.server_port, [
            form_data(description=f"Loket tutup tanpa pemberitahuan, warga ke-{i}.") for i in range(count)])
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def stored_and_fresh_month_totals() -> tuple[dict, dict]:
    """report_month_total by (month, OPD, category), and the same counted afresh from the timings
    for the sealed months."""
    from portal.models import ReportMonthSealed, ReportMonthTotal
    from portal.statistik.report_totals import month_select, target_days

    stored = {(row.month, row.opd_id, row.category): (row.reports, row.answered, row.within_target)
              for row in db.session.scalars(select(ReportMonthTotal))}
    fresh = {}
    for month in db.session.scalars(select(ReportMonthSealed.month)):
        for opd_id, category, reports, answered, within in db.session.execute(
                month_select(target_days()).where(ReportTiming.day.between(month, month_last(month)))
                .group_by("opd_id", "category")):
            fresh[(month, opd_id, category)] = (reports, answered, within)
    return stored, fresh


@pytest.mark.slow
def test_reports_sent_at_once_in_a_sealed_month_keep_its_totals_right(app, monkeypatch):
    """Reports about one unit sent at the same moment into a month whose totals are kept (as
    staff changing reports of a closed month do; here the clock that closes months is moved two
    months on, so the first report seals this month and the others recount it): every report is
    stored and counted once in the month totals (two writers of one total used to collide on
    PostgreSQL: a unique violation, the report refused)."""
    from portal.models import Report
    from portal.statistik import report_totals

    real_day = report_totals.report_day
    monkeypatch.setattr(report_totals, "report_day", lambda: real_day() + timedelta(days=62))
    results = post_reports_at_once(app, 24)
    assert [result[0] if isinstance(result, tuple) else result for result in results] == [303] * 24
    with app.app_context():
        stored, fresh = stored_and_fresh_month_totals()
        assert sum(reports for reports, _a, _w in stored.values()) == 24
        assert db.session.scalar(select(func.count()).select_from(Report)) == 24
        assert stored == fresh


@pytest.mark.slow
def test_a_residents_report_writes_no_month_total_and_takes_no_lock(app):
    """A new report is of the current month, which keeps no total: reports sent at once take no
    statistics lock and write no total (on a WFH morning every report about one agency waited for
    the one before it to commit: 80 reports a second on PostgreSQL), and the statistics count
    each of them at once, from the report timings."""
    from portal.models import Report

    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        results = post_reports_at_once(app, 8)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert [result[0] if isinstance(result, tuple) else result for result in results] == [303] * 8
    assert any("INSERT INTO report " in statement for statement in seen)
    assert not [s for s in seen if "report_month_total" in s or "pg_advisory" in s or "report_month_sealed" in s]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReportMonthTotal)) == 0
        today = reporting.bekasi_today()
        from_totals, from_raw = documents(today.replace(day=1), month_last(today), today=today)
        assert from_totals == from_raw and from_totals["reports"]["count"] == 8
        assert db.session.scalar(select(func.count()).select_from(Report)) == 8

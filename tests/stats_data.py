"""A small hand-made data set for the statistics: two agencies, a few days, a few reports and
costs, with every expected figure worked out by hand in the tests that use it.

Agency A (Disdukcapil): indicators dokumen (dokumen-terbit) and surat (surat-naskah-diproses).
Agency B (DPMPTSP): indicator izin (izin-terbit).

    date        OPD mode staff due sub  output (by indicator)
    2025-10-01  A   WFO  10    10  10   50 = dokumen 40 + surat 10
    2025-10-02  A   WFO  10    10   9   40 = dokumen 30 + surat 10
    2025-11-06  A   WFH  10    10   7   30 = dokumen 20 + surat 10   (Thursday of Tahap I)
    2025-11-07  A   WFO  10    10  10   50 = dokumen 44 + surat 6
    2025-12-01  A   WFO   5     5   5   25 = dokumen 20 + surat 5
    2025-12-01  A   WFH   5     5   4   15 = dokumen 10 + surat 5
    2025-11-06  B   WFH   3     3   3    9 = izin 9
    2025-11-07  B   WFO   5     5   4   15 = izin 15

Reports (created and answered, WIB):
    R1 A  Mon 3 Nov 09:00 → 3 Nov 15:00 (6 h, within)
    R2 A  Thu 6 Nov 10:00 → Wed 12 Nov 10:00 (144 h; deadline Tue 11 Nov: late)
    R3 A  Fri 7 Nov 08:00 → Sat 8 Nov 08:00 (24 h, within)
    R4 A  Mon 10 Nov 10:00 → 10 Nov 22:00 (12 h, within) — confidential: counted, never listed
    R5 A  Mon 10 Nov 11:00 → 10 Nov 11:30 — spam: left out
    R6 A  Tue 2 Dec 09:00, never answered (late once 5 Dec has passed)
    R7 B  Tue 4 Nov 09:00 → Wed 5 Nov 09:00 (24 h, within)

Costs of A (rupiah): Sep 1.000.000 + 200.000; Oct 1.200.000 + 200.000 (baseline mean 1.300.000);
Nov 1.000.000 + 170.000 (−10 %); Dec 910.000 + 130.000 (−20 %).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from portal.extensions import db
from portal.models import OperationalCost, OutputDay, OutputIndicator, OutputQuantity, Report, Role

from . import factories as f

WIB = ZoneInfo("Asia/Jakarta")
TODAY = "2026-01-15"


def wib(year, month, day, hour, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WIB)


def indicator(opd, slug, name, unit):
    obj = OutputIndicator(opd=opd, slug=slug, name=name, unit_of_measure=unit)
    db.session.add(obj)
    db.session.flush()
    return obj


def report(code, unit, created, answered=None, visibility="public", spam=False, category="no_staff"):
    obj = Report(code=code, unit_id=unit.id, opd_id=unit.opd_id, category=category, description="Loket kosong",
                 visited_on=created.date(), visibility=visibility, is_spam=spam, created_at=created,
                 first_response_at=answered, status="resolved" if answered else "received")
    db.session.add(obj)
    return obj


def phases():
    f.phase("Pola kerja normal", date(2025, 1, 1), date(2025, 10, 31), "regular")
    f.phase("Tahap I", date(2025, 11, 1), date(2025, 11, 30), "wfh_weekdays", wfh_weekdays="3")
    f.phase("Tahap II", date(2025, 12, 1), date(2025, 12, 31), "fifty_fifty")


def build() -> dict:
    """Create the data set; returns the agencies by letter."""
    phases()
    a = f.opd("Disdukcapil")
    b = f.opd("DPMPTSP")
    unit_a = f.unit("Loket Disdukcapil", owner=a)
    unit_b = f.unit("Loket DPMPTSP", owner=b, slug="loket-dpmptsp")
    dok = indicator(a, "dokumen-terbit", "Dokumen kependudukan terbit", "dokumen")
    surat = indicator(a, "surat-naskah-diproses", "Surat/naskah diproses", "naskah")
    izin = indicator(b, "izin-terbit", "Izin terbit", "izin")

    for day, mode, staff, due, sub, d, s in [
        (date(2025, 10, 1), "wfo", 10, 10, 10, 40, 10),
        (date(2025, 10, 2), "wfo", 10, 10, 9, 30, 10),
        (date(2025, 11, 6), "wfh", 10, 10, 7, 20, 10),
        (date(2025, 11, 7), "wfo", 10, 10, 10, 44, 6),
        (date(2025, 12, 1), "wfo", 5, 5, 5, 20, 5),
        (date(2025, 12, 1), "wfh", 5, 5, 4, 10, 5),
    ]:
        obj = OutputDay(opd_id=a.id, day=day, mode=mode, staff_on_duty=staff, reports_due=due, reports_submitted=sub)
        obj.quantities.append(OutputQuantity(indicator=dok, quantity=d))
        obj.quantities.append(OutputQuantity(indicator=surat, quantity=s))
        db.session.add(obj)
    for day, mode, staff, due, sub, q in [
        (date(2025, 11, 6), "wfh", 3, 3, 3, 9),
        (date(2025, 11, 7), "wfo", 5, 5, 4, 15),
    ]:
        obj = OutputDay(opd_id=b.id, day=day, mode=mode, staff_on_duty=staff, reports_due=due, reports_submitted=sub)
        obj.quantities.append(OutputQuantity(indicator=izin, quantity=q))
        db.session.add(obj)

    report("R1", unit_a, wib(2025, 11, 3, 9), wib(2025, 11, 3, 15))
    report("R2", unit_a, wib(2025, 11, 6, 10), wib(2025, 11, 12, 10), category="closed_though_open")
    report("R3", unit_a, wib(2025, 11, 7, 8), wib(2025, 11, 8, 8))
    report("R4", unit_a, wib(2025, 11, 10, 10), wib(2025, 11, 10, 22), visibility="confidential")
    report("R5", unit_a, wib(2025, 11, 10, 11), wib(2025, 11, 10, 11, 30), spam=True)
    report("R6", unit_a, wib(2025, 12, 2, 9), category="closed_though_open")
    report("R7", unit_b, wib(2025, 11, 4, 9), wib(2025, 11, 5, 9))

    for month, electricity, water in [((2025, 9), 1_000_000, 200_000), ((2025, 10), 1_200_000, 200_000),
                                      ((2025, 11), 1_000_000, 170_000), ((2025, 12), 910_000, 130_000)]:
        db.session.add(OperationalCost(opd_id=a.id, month=date(*month, 1), category="electricity", amount=electricity))
        db.session.add(OperationalCost(opd_id=a.id, month=date(*month, 1), category="water", amount=water))

    f.user("admin-a@bekasikota.go.id", Role.OPD_ADMIN, a)
    f.user("admin-b@bekasikota.go.id", Role.OPD_ADMIN, b)
    f.user("bkpsdm@bekasikota.go.id", Role.CITY_ADMIN, None)
    db.session.commit()
    return {"a": a.slug, "b": b.slug}

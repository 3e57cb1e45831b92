"""How /statistik scales with the amount of output data.

Seeds the Bekasi demo into a throwaway SQLite file, times /statistik for September to
December 2025 (median of several requests, after a warm-up), then adds three copies of every
agency with all its records (four times the rows) and times the page again. Prints:

- page / baseline: /statistik against /healthz (a request that does almost nothing);
- 4x data / 1x data: how the page time grows with four times the records (about 4 or less is
  linear; much more would mean something quadratic).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select

URL = "/statistik?dari=2025-09-01&sampai=2025-12-31"
RUNS = 9


def median_time(client, url: str, runs: int = RUNS) -> float:
    client.get(url)  # warm-up: templates compiled, caches filled
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
    return statistics.median(times)


def multiply_records(copies: int) -> int:
    """Add ``copies`` clones of every agency that has output records, with all their data."""
    from portal.extensions import db
    from portal.models import OperationalCost, Opd, OutputDay, OutputIndicator, OutputQuantity

    opds = db.session.scalars(select(Opd).where(Opd.id.in_(select(OutputDay.opd_id)))).all()
    added = 0
    for n in range(1, copies + 1):
        for opd in opds:
            clone = Opd(slug=f"{opd.slug}-salinan-{n}", short_name=f"{opd.short_name} ({n})",
                        name=f"{opd.name} (salinan {n})", kind=opd.kind)
            db.session.add(clone)
            db.session.flush()
            indicator_ids = {}
            for ind in db.session.scalars(select(OutputIndicator).filter_by(opd_id=opd.id)):
                copy = OutputIndicator(opd_id=clone.id, slug=ind.slug, name=ind.name,
                                       unit_of_measure=ind.unit_of_measure)
                db.session.add(copy)
                db.session.flush()
                indicator_ids[ind.id] = copy.id
            days = db.session.scalars(select(OutputDay).filter_by(opd_id=opd.id)).all()
            new_ids = db.session.scalars(insert(OutputDay).returning(OutputDay.id, sort_by_parameter_order=True), [
                dict(opd_id=clone.id, day=d.day, mode=d.mode, staff_on_duty=d.staff_on_duty,
                     reports_due=d.reports_due, reports_submitted=d.reports_submitted, updated_at=d.updated_at)
                for d in days]).all()
            quantities = [dict(output_day_id=new_id, indicator_id=indicator_ids[q.indicator_id], quantity=q.quantity)
                          for d, new_id in zip(days, new_ids, strict=True) for q in d.quantities]
            db.session.execute(insert(OutputQuantity), quantities)
            costs = db.session.scalars(select(OperationalCost).filter_by(opd_id=opd.id)).all()
            if costs:
                db.session.execute(insert(OperationalCost), [
                    dict(opd_id=clone.id, month=c.month, category=c.category, amount=c.amount, updated_at=c.updated_at)
                    for c in costs])
            added += len(days)
    db.session.commit()
    return added


def main() -> None:
    from portal import create_app
    from portal.demo import seed
    from portal.extensions import db
    from portal.models import OutputDay

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                          "RATELIMIT_ENABLED": False})
        with app.app_context():
            db.create_all()
            seed("bench-password-123")
            records = db.session.query(OutputDay).count()
        client = app.test_client()
        baseline = median_time(client, "/healthz")
        one = median_time(client, URL)
        with app.app_context():
            multiply_records(3)
            records_4x = db.session.query(OutputDay).count()
        four = median_time(client, URL)
        print(f"records: {records} day records (demo), {records_4x} after cloning every agency 3 times")
        print(f"/statistik Sep-Dec 2025: page / baseline (/healthz) = {one / baseline:.1f}")
        print(f"/statistik Sep-Dec 2025: 4x data / 1x data = {four / one:.2f} (4.00 = linear)")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()

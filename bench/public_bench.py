"""Public pages with many units: time and SQL queries per request, at 1x and 4x the demo's units.

Prints ratios measured in one run (this machine is noisy: compare within the run, not across).
What we want: queries per page do not grow with the number of units (no N+1), and time grows
at most linearly (4x the units -> at most about 4x the time).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, select  # noqa: E402

from portal import create_app  # noqa: E402
from portal.demo import seed  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import ServiceUnit, UnitHours  # noqa: E402

URLS = {
    "day list (/)": "/?tanggal=2025-11-06",
    "day list, htmx fragment": "/?tanggal=2025-11-06",
    "grid, 31 days (/jadwal)": "/jadwal?mulai=2025-12-01&hari=31",
    "unit page": "/unit/disdukcapil-mpp?tanggal=2025-11-06",
    "baseline (/healthz)": "/healthz",
}


def make_app(copies: int):
    path = Path(tempfile.mkdtemp()) / "bench.sqlite3"
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "TODAY": "2025-11-06",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        db.create_all()
        seed("bench-password")
        originals = db.session.scalars(select(ServiceUnit)).all()
        for copy in range(1, copies):
            for unit in originals:
                clone = ServiceUnit(
                    slug=f"{unit.slug}-{copy}", name=f"{unit.name} ({copy})", opd_id=unit.opd_id,
                    kecamatan_id=unit.kecamatan_id, kelurahan_id=unit.kelurahan_id, address=unit.address,
                    essential=unit.essential, open_24_7=unit.open_24_7, rotation_group=unit.rotation_group,
                    services=unit.services)
                clone.hours = [UnitHours(weekday=h.weekday, opens=h.opens, closes=h.closes) for h in unit.hours]
                db.session.add(clone)
        db.session.commit()
        count = db.session.query(ServiceUnit).count()
    return app, count


def measure(app, url: str, headers: dict, rounds: int) -> tuple[float, int]:
    client = app.test_client()
    queries = 0

    def count(*_args):
        nonlocal queries
        queries += 1

    with app.app_context():
        engine = db.engine
    client.get(url, headers=headers)  # warm up
    event.listen(engine, "before_cursor_execute", count)
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    event.remove(engine, "before_cursor_execute", count)
    return statistics.median(samples), queries // rounds


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    results = {}
    for copies in (1, 4):
        app, units = make_app(copies)
        for label, url in URLS.items():
            headers = {"HX-Request": "true"} if "htmx" in label else {}
            results[(copies, label)] = measure(app, url, headers, rounds)
        results[(copies, "units")] = units
    print(f"public pages, median of {rounds} requests (in-process test client, SQLite)")
    print(f"{'page':32} {'1x ms':>8} {'4x ms':>8} {'time 4x/1x':>11} {'SQL 1x':>7} {'SQL 4x':>7}")
    for label in URLS:
        (t1, q1), (t4, q4) = results[(1, label)], results[(4, label)]
        print(f"{label:32} {t1 * 1000:8.1f} {t4 * 1000:8.1f} {t4 / t1:11.2f} {q1:7d} {q4:7d}")
    print(f"units: {results[(1, 'units')]} (1x) and {results[(4, 'units')]} (4x)")
    page_1x = results[(1, "day list (/)")][0]
    print(f"day list / healthz at 1x: {page_1x / results[(1, 'baseline (/healthz)')][0]:.1f}x")


if __name__ == "__main__":
    main()

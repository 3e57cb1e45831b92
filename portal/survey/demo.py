"""Demo answers to the satisfaction survey, September to December 2025: invented but believable.

- busy counters (MPP, Disdukcapil, Puskesmas, kecamatan) get most answers, small units few (so
  some units show "too few answers", as real ones would);
- scores sit around 3.1–3.5 (IKM B, a few A), cost (u4) high since most services are free,
  complaint handling (u9) and facilities (u8) lower;
- for some agencies "time to completion" (u3) is lower on the unit's WFH days, and online service
  scores slightly lower on procedure (u2) and complaint handling (u9);
- about one answer in twelve leaves a suggestion: most are moderated (shown or hidden), some wait.

Deterministic (a seeded random generator, no clock) and idempotent: the answers carry submission
tokens ``demo-N``; when the first exists, nothing is added. Fast: statuses are computed in memory
with ``schedule`` and the rows inserted in one statement.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert, select

from .. import ikm, schedule
from ..availability import load_calendar
from ..clock import zone
from ..extensions import db
from ..models import ServiceUnit, SurveyResponse
from . import words

SEED = 1411
FIRST_DAY, LAST_DAY = date(2025, 9, 1), date(2025, 12, 31)
COUNT = 3600
# Agencies whose "time to completion" suffers on WFH days (back office at home, files wait).
SLOWER_ON_WFH = {"kecamatan-bekasi-barat", "kecamatan-jatiasih", "kecamatan-pondok-gede", "kecamatan-medan-satria",
                 "bapenda", "dinsos", "disnaker", "dlh"}
# Mean score of each element before the agency's own level is added.
ELEMENT_MEANS = (3.25, 3.15, 3.05, 3.7, 3.2, 3.25, 3.35, 3.0, 2.9)
BUSY = ("mpp", "disdukcapil", "puskesmas", "kecamatan", "rsud", "samsat", "dpmptsp")
SUGGESTIONS = (
    "Antrean pagi terlalu panjang, mohon tambah loket saat jam sibuk.",
    "Petugas ramah dan cepat, pertahankan.",
    "Informasi persyaratan di website belum lengkap, saya harus bolak-balik.",
    "Kanal WhatsApp lambat dibalas pada hari Kamis.",
    "Ruang tunggu panas, mohon kipas atau AC diperbaiki.",
    "Parkir sempit, sulit untuk kendaraan roda empat.",
    "Mohon jadwal layanan tatap muka diumumkan lebih awal.",
    "Proses cepat, dokumen jadi di hari yang sama. Terima kasih.",
    "Layanan daring mudah, tetapi notifikasi status tidak masuk.",
    "Kotak pengaduan tidak jelas tindak lanjutnya.",
    "Sediakan kursi prioritas untuk lansia dan ibu hamil.",
    "Nomor antrean daring sering habis sebelum jam 9.",
)


def unit_weight(unit: ServiceUnit) -> float:
    slug = unit.slug
    return 6.0 if any(word in slug for word in BUSY) else (2.0 if "kelurahan" not in slug else 0.6)


def score(rng: random.Random, mean: float) -> int:
    return min(4, max(1, round(rng.gauss(mean, 0.55))))


def served_days(unit: ServiceUnit, calendar: schedule.Calendar) -> list[schedule.DayStatus]:
    """The days of the period on which the unit served (on-site or online)."""
    facts = unit.as_schedule_unit()
    days = calendar.days(facts, FIRST_DAY, (LAST_DAY - FIRST_DAY).days + 1)
    return [day for day in days if day.status != schedule.Status.CLOSED]


def seed_survey() -> int:
    """Add the demo answers unless they are there. Returns how many were added."""
    if db.session.scalar(select(SurveyResponse.id).filter_by(submission_token="demo-0")) is not None:
        return 0
    units = db.session.scalars(select(ServiceUnit).where(ServiceUnit.active.is_(True))
                               .order_by(ServiceUnit.slug)).all()
    if not units:
        return 0
    calendar = load_calendar(FIRST_DAY, LAST_DAY, [unit.id for unit in units])
    days = {unit.id: served_days(unit, calendar) for unit in units}
    units = [unit for unit in units if days[unit.id]]
    rng = random.Random(SEED)
    level = {unit.opd.slug: rng.uniform(-0.25, 0.2) for unit in units}
    weights = [unit_weight(unit) for unit in units]
    rows = []
    for number in range(COUNT):
        unit = rng.choices(units, weights)[0]
        day = rng.choice(days[unit.id])
        online = day.status == schedule.Status.ONLINE or rng.random() < 0.12
        wfh = day.source == schedule.Source.PHASE
        means = [mean + level[unit.opd.slug] for mean in ELEMENT_MEANS]
        if wfh and unit.opd.slug in SLOWER_ON_WFH:
            means[2] -= 0.45
        if online:
            means[1] -= 0.15
            means[8] -= 0.2
        scores = [score(rng, mean) for mean in means]
        services = unit.service_list
        suggestion = rng.choice(SUGGESTIONS) if rng.random() < 0.08 else None
        state = rng.choices(("approved", "hidden", "pending"), (5, 1, 2))[0] if suggestion else "pending"
        profile = rng.random() < 0.7
        answered = datetime.combine(day.day, time(rng.randint(8, 15), rng.randrange(60)), tzinfo=zone())
        rows.append({
            "unit_id": unit.id, "opd_id": unit.opd_id, "service": rng.choice(services) if services else "",
            "visited_on": day.day, "mode": ikm.ONLINE if online else ikm.ONSITE, "wfh_day": wfh,
            **{key: value for key, value in zip(ikm.ELEMENTS, scores)},
            "suggestion": suggestion, "suggestion_state": state,
            "moderated_at": answered.astimezone(UTC) + timedelta(days=1) if suggestion and state != "pending" else None,
            "age_band": rng.choice(list(words.AGE_BANDS)) if profile else None,
            "sex": rng.choice(list(words.SEXES)) if profile else None,
            "education": rng.choice(list(words.EDUCATION)) if profile else None,
            "occupation": rng.choice(list(words.OCCUPATIONS)) if profile else None,
            "is_spam": False, "spam_reason": None, "device_key": None,
            "submission_token": f"demo-{number}", "created_at": answered.astimezone(UTC),
        })
    db.session.execute(insert(SurveyResponse), rows)
    return len(rows)

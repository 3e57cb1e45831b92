"""Demo disruption reports over November and December 2025, with answers and their timing, so
the tracking pages, the staff queue and the statistics have something realistic to show.

Deterministic (a fixed random seed) and idempotent: a report whose code exists is left alone.
The names, phone numbers and e-mail addresses are invented.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from .. import audit
from ..clock import zone
from ..extensions import db
from ..models import (Report, ReportCategory, ReportContact, ReportStatus, ReportUpdate, ServiceUnit, User,
                      Visibility)
from . import codes
from .service import link

SEED = 20251103
COUNT = 42

# Units reported about, weighted towards agencies with a demo staff account.
UNITS = [
    "disdukcapil-mpp", "disdukcapil-mpp", "disdukcapil-kantor-dinas", "disdukcapil-kantor-dinas",
    "mpp-dpmptsp", "mpp-dpmptsp", "kantor-dpmptsp", "puskesmas-bekasi-utara", "puskesmas-jatiasih",
    "puskesmas-pondok-gede", "bapenda-pbb-bphtb", "gerai-bapenda-di-mpp", "kantor-kecamatan-bekasi-utara",
    "kantor-kelurahan-harapan-baru", "kantor-kelurahan-kaliabang-tengah", "kantor-kelurahan-teluk-pucung",
    "kantor-dinas-sosial", "kantor-dinas-tenaga-kerja", "rsud-rawat-jalan", "dishub-uji-kir",
    "kantor-kecamatan-jatiasih", "kantor-kelurahan-jakasampurna", "perpustakaan-umum-kota-bekasi",
]

DESCRIPTIONS = {
    ReportCategory.CLOSED_THOUGH_OPEN: [
        "Saya datang pukul 09.00, pintu kantor terkunci padahal di portal tertulis buka tatap muka. "
        "Satpam bilang semua pegawai sedang WFH.",
        "Kantor tutup pada jam layanan; tidak ada pengumuman di pintu maupun di portal. Saya sudah "
        "izin kerja setengah hari untuk mengurus surat.",
        "Gerai tutup sejak pukul 11.00 padahal jadwal di portal sampai 15.00. Banyak warga yang "
        "sudah antre terpaksa pulang.",
    ],
    ReportCategory.NO_STAFF: [
        "Loket buka tetapi tidak ada petugas di meja pelayanan selama hampir satu jam. Hanya ada "
        "satpam yang tidak bisa membantu.",
        "Hanya satu petugas yang melayani, loket lain kosong karena pegawai WFH. Antrean tidak bergerak.",
    ],
    ReportCategory.ONLINE_UNREACHABLE: [
        "Situs layanan daring tidak bisa dibuka sejak pagi (muncul error 502), padahal hari ini "
        "layanan hanya daring.",
        "Nomor WhatsApp layanan tidak membalas pesan saya selama dua hari kerja, padahal portal "
        "menyarankan layanan daring.",
        "Formulir pendaftaran daring gagal dikirim; setiap kali mengunggah dokumen muncul pesan "
        "kesalahan.",
    ],
    ReportCategory.LONG_WAIT: [
        "Antrean sangat panjang, saya menunggu lebih dari empat jam dan belum dipanggil. Kapasitas "
        "loket hanya separuh.",
        "Pengurusan yang biasanya selesai hari itu diminta kembali minggu depan karena petugas "
        "yang berwenang sedang bekerja dari rumah.",
    ],
    ReportCategory.WRONG_INFO: [
        "Portal menyebut unit ini buka hari Sabtu, ternyata tutup. Mohon jadwal di portal diperbaiki.",
        "Jam layanan di portal tidak sesuai dengan papan pengumuman di kantor (di kantor tertulis "
        "tutup pukul 12.00).",
    ],
    ReportCategory.OTHER: [
        "Mesin antrean rusak sehingga warga antre tanpa nomor dan sering diserobot.",
        "Ruang tunggu penuh dan pendingin ruangan mati; lansia menunggu sambil berdiri.",
    ],
}

ANSWERS = {
    ReportStatus.VERIFIED: [
        "Terima kasih, laporan sudah kami verifikasi dan diteruskan ke kepala unit.",
        "Laporan kami terima dan sedang kami periksa bersama koordinator layanan.",
    ],
    ReportStatus.IN_PROGRESS: [
        "Kami sudah berkoordinasi dengan kepala unit; petugas piket tatap muka ditambah mulai besok.",
        "Tim teknis sedang memperbaiki gangguan aplikasi bersama Diskominfo.",
    ],
    ReportStatus.RESOLVED: [
        "Petugas piket sudah ditambah dan jadwal di portal diperbarui. Terima kasih atas laporannya.",
        "Gangguan server sudah diperbaiki; layanan daring kembali normal sejak pukul 14.00.",
        "Nomor WhatsApp layanan sudah aktif kembali dan dijaga petugas selama jam kerja.",
        "Jadwal di portal sudah disesuaikan dengan jam layanan yang berlaku.",
    ],
    ReportStatus.REJECTED: [
        "Pada tanggal tersebut unit memang tutup karena cuti bersama, sesuai informasi di portal.",
        "Laporan tidak dapat ditindaklanjuti karena kejadian yang dilaporkan terjadi di luar jam layanan.",
    ],
}

NAMES = ["Rina Marlina", "Agus Setiawan", "Dewi Lestari", "Bambang Hartono", "Siti Rahmawati",
         "Yusuf Maulana", "Ratna Sari", "Hendra Wijaya"]


def at_local(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone()).astimezone(UTC)


OFFICE_OPENS, OFFICE_CLOSES = time(8, 0), time(16, 0)
NO_WORK = (date(2025, 12, 25), date(2025, 12, 26))


def in_office_hours(moment: datetime) -> datetime:
    """The first moment at or after ``moment`` when staff are at work (Mon–Fri 08.00–16.00 WIB):
    staff answer reports during office hours, not at 03.19."""
    local = moment.astimezone(zone())
    while True:
        if local.weekday() < 5 and local.date() not in NO_WORK:
            if local.time() < OFFICE_OPENS:
                local = local.replace(hour=OFFICE_OPENS.hour, minute=OFFICE_OPENS.minute + local.minute % 30)
            if local.time() < OFFICE_CLOSES:
                return local.astimezone(UTC)
        local = datetime.combine(local.date() + timedelta(days=1), time(0, local.minute), tzinfo=zone())


def working_day(rng: random.Random, start: date, end: date) -> date:
    while True:
        day = start + timedelta(days=rng.randrange((end - start).days + 1))
        if day.weekday() < 5 and day not in NO_WORK:
            return day


def plan(rng: random.Random) -> list[ReportStatus]:
    """The statuses a demo report goes through after "received"."""
    roll = rng.random()
    if roll < 0.40:
        return [ReportStatus.VERIFIED, ReportStatus.RESOLVED]
    if roll < 0.55:
        return [ReportStatus.VERIFIED, ReportStatus.IN_PROGRESS]
    if roll < 0.65:
        return [ReportStatus.VERIFIED]
    if roll < 0.75:
        return [ReportStatus.REJECTED]
    return []


def seed_reports() -> int:
    """Add the demo reports that are missing. Returns how many were added."""
    rng = random.Random(SEED)
    prefix = current_app.config["REPORT_CODE_PREFIX"]
    units = {u.slug: u for u in db.session.scalars(select(ServiceUnit).where(ServiceUnit.slug.in_(UNITS)))}
    staff = db.session.scalars(select(User)).all()
    city_admin = next((u for u in staff if u.is_city_admin), None)
    added = 0
    for index in range(COUNT):
        code = codes.format_code(prefix, "".join(rng.choice(codes.ALPHABET) for _ in range(codes.LENGTH)))
        unit = units.get(rng.choice(UNITS))
        category = rng.choice(list(ReportCategory))
        description = rng.choice(DESCRIPTIONS[category])
        day = working_day(rng, date(2025, 11, 3), date(2025, 12, 19))
        created = at_local(day, rng.randint(8, 19), rng.randrange(60))
        visibility = rng.choices(list(Visibility), weights=(75, 15, 10))[0]
        steps = [] if index == 17 else plan(rng)
        messages = [rng.choice(ANSWERS[step]) for step in steps]
        delays = [timedelta(hours=rng.choice((2, 4, 6, 20, 26, 30, 48, 70, 96, 120, 170)))]
        delays.append(delays[0] + timedelta(hours=rng.choice((4, 24, 48, 72))))
        with_contact = rng.random() < 0.5
        name = rng.choice(NAMES)
        phone = f"+62812{rng.randrange(10**7, 10**8)}"
        visited_on = day - timedelta(days=rng.choice((0, 0, 0, 1)))
        visited_at = time(rng.randint(8, 14), rng.choice((0, 15, 30, 45)))
        spam = index == 17
        # Every random draw is above this line, so skipping a report keeps the others the same.
        if unit is None or db.session.scalar(select(Report.id).filter_by(code=code)) is not None:
            continue
        actor = next((u for u in staff if u.opd_id == unit.opd_id), city_admin)
        report = Report(code=code, unit=unit, opd_id=unit.opd_id, category=category.value,
                        description=description, visited_on=visited_on, visited_at=visited_at,
                        visibility=visibility.value, status=ReportStatus.RECEIVED.value, source="web",
                        is_spam=spam, spam_reason="staff" if spam else None,
                        created_at=created, updated_at=created)
        if with_contact:
            report.contact = ReportContact(
                name=name, phone=phone,
                email=f"{name.split()[0].lower()}.demo{index}@example.id", consent_at=created)
        db.session.add(report)
        db.session.flush()
        event = audit.record("report.create", report, opd_id=report.opd_id, unit_id=report.unit_id,
                             public=report.is_listed, actor=None,
                             after={"link": link(report), "code": code, "category": category.value,
                                    "visibility": visibility.value, "source": "web",
                                    "spam_reason": None, "has_contact": with_contact},
                             summary=f"{code}: {category.value}")
        event.at = created
        at = created
        for step_status, message, delay in zip(steps, messages, delays):
            at = in_office_hours(max(created + delay, at + timedelta(minutes=20)))
            db.session.add(ReportUpdate(report=report, at=at, status=step_status.value,
                                        public_message=message, actor=actor))
            before = report.status
            report.status = step_status.value
            report.updated_at = at
            report.first_response_at = report.first_response_at or at
            if step_status.closed:
                report.closed_at = at
            event = audit.record("report.update", report, opd_id=report.opd_id, unit_id=report.unit_id,
                                 public=report.is_listed, actor=actor, before={"status": before},
                                 after={"link": link(report), "code": code, "status": step_status.value,
                                        "message": message},
                                 summary=f"{code}: report.update")
            event.at = at
        added += 1
    db.session.flush()
    return added

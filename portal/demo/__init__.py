"""Bekasi demo data: real OPDs, kecamatan and kelurahan; invented units, hours and figures.

Idempotent: running it again updates what it made and adds nothing twice. Other domains add
their own demo data through ``SEEDERS`` (a list of functions called after the base data).
"""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from pathlib import Path

from sqlalchemy import select

from ..clock import zone
from ..extensions import db
from ..holiday_sync import sync_holidays
from ..models import AuditEvent, Kecamatan, Kelurahan, Opd, Override, PolicyPhase, Role, ServiceUnit, UnitHours, User
from ..models.types import utcnow
from ..overrides import set_override
from .outputs import seed_outputs

DATA = Path(__file__).parent / "data"
HOLIDAY_YEARS = (2024, 2025, 2026, 2027)

# Functions (called with no argument) that add demo data of other domains: reports, outputs.
SEEDERS: list[Callable[[], None]] = []

# Approximate centres of the 12 kecamatan (demo coordinates, good enough for a map link).
KECAMATAN_CENTRES = {
    "Bantargebang": (-6.3180, 107.0000),
    "Bekasi Barat": (-6.2330, 106.9700),
    "Bekasi Selatan": (-6.2560, 106.9920),
    "Bekasi Timur": (-6.2440, 107.0190),
    "Bekasi Utara": (-6.2050, 107.0000),
    "Jatiasih": (-6.3000, 106.9560),
    "Jatisampurna": (-6.3700, 106.9230),
    "Medan Satria": (-6.1850, 106.9780),
    "Mustika Jaya": (-6.3020, 107.0310),
    "Pondok Gede": (-6.2790, 106.9160),
    "Pondok Melati": (-6.3000, 106.9050),
    "Rawalumbu": (-6.2750, 107.0060),
}

# Regular hours (weekday 0 = Monday).
OFFICE = {0: ("08:00", "15:00"), 1: ("08:00", "15:00"), 2: ("08:00", "15:00"),
          3: ("08:00", "15:00"), 4: ("08:00", "14:30")}
MPP = {**OFFICE, 4: ("08:00", "15:00"), 5: ("08:00", "12:00")}
PUSKESMAS = {0: ("07:30", "14:00"), 1: ("07:30", "14:00"), 2: ("07:30", "14:00"),
             3: ("07:30", "14:00"), 4: ("07:30", "11:00"), 5: ("07:30", "12:00")}
LIBRARY = {**{d: ("08:00", "16:00") for d in range(5)}, 5: ("09:00", "14:00"), 6: ("09:00", "14:00")}
ALWAYS: dict = {}  # 24/7 units need no weekly hours

KECAMATAN_SERVICES = "Surat pengantar dan rekomendasi\nLegalisasi dokumen\nPelayanan PATEN\nPengaduan warga"
KELURAHAN_SERVICES = "Surat pengantar (KTP-el, KK, pindah)\nSurat keterangan domisili\nSurat keterangan tidak mampu (SKTM)\nSurat keterangan usaha"


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def jitter(key: str, scale: float = 0.012) -> tuple[float, float]:
    """A small deterministic offset, so units of one kecamatan do not share a map point."""
    digest = hashlib.sha256(key.encode()).digest()
    return ((digest[0] / 255 - 0.5) * scale, (digest[1] / 255 - 0.5) * scale)


def parse_hours(spec: dict) -> dict[int, tuple[time, time]]:
    return {day: (time.fromisoformat(a), time.fromisoformat(b)) for day, (a, b) in spec.items()}


def upsert(model, key: dict, **values):
    obj = db.session.scalar(select(model).filter_by(**key))
    if obj is None:
        obj = model(**key, **values)
        db.session.add(obj)
    else:
        for name, value in values.items():
            setattr(obj, name, value)
    return obj


def seed_places() -> tuple[dict[str, Kecamatan], dict[str, Kelurahan]]:
    kecamatans: dict[str, Kecamatan] = {}
    kelurahans: dict[str, Kelurahan] = {}
    with open(DATA / "bekasi-wilayah.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            kec_name, kel_name = row["kecamatan"].strip(), row["kelurahan"].strip()
            if kec_name not in kecamatans:
                kecamatans[kec_name] = upsert(Kecamatan, {"slug": slugify(kec_name)}, name=kec_name)
            db.session.flush()
            kelurahans[kel_name] = upsert(Kelurahan, {"slug": slugify(kel_name)}, name=kel_name,
                                          kecamatan=kecamatans[kec_name])
    db.session.flush()
    return kecamatans, kelurahans


def seed_opds(kecamatans) -> dict[str, Opd]:
    opds: dict[str, Opd] = {}
    with open(DATA / "opd-kota-bekasi.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            short = row["short_name"].strip()
            opds[short] = upsert(Opd, {"slug": slugify(short)}, short_name=short,
                                 name=row["name"].strip(), kind=row["kind"].strip())
    for name in kecamatans:
        short = f"Kec. {name}"
        opds[short] = upsert(Opd, {"slug": "kecamatan-" + slugify(name)}, short_name=short,
                             name=f"Kecamatan {name}", kind="kecamatan")
    db.session.flush()
    return opds


def demo_units(kecamatans, kelurahans) -> list[dict]:
    """The demo's service units: a list of plain dicts."""
    units: list[dict] = []

    def add(name, opd, kecamatan, kelurahan=None, hours=OFFICE, services="", essential=False,
            open_24_7=False, address=None, online=None, phone=None, whatsapp=None, slug=None):
        units.append(dict(
            slug=slug or slugify(name), name=name, opd=opd, kecamatan=kecamatan, kelurahan=kelurahan,
            hours=hours, services=services, essential=essential, open_24_7=open_24_7,
            address=address or f"Jl. Demo {name}", online=online, phone=phone, whatsapp=whatsapp,
        ))

    # Kecamatan offices and every kelurahan office (68 units).
    for kec in kecamatans:
        add(f"Kantor Kecamatan {kec}", f"Kec. {kec}", kec, services=KECAMATAN_SERVICES,
            address=f"Kantor Kecamatan {kec}, Kota Bekasi",
            online=("https://sapawarga.bekasikota.go.id", "Layanan daring kecamatan (demo)"))
    for kel, kelurahan in kelurahans.items():
        kec = kelurahan.kecamatan.name
        add(f"Kantor Kelurahan {kel}", f"Kec. {kec}", kec, kel, services=KELURAHAN_SERVICES,
            address=f"Kantor Kelurahan {kel}, Kecamatan {kec}",
            online=("https://sapawarga.bekasikota.go.id", "Layanan daring kelurahan (demo)"))

    # Population registry and licensing: front-line counters stay on-site whatever the WFH rule, as
    # neighbouring Kabupaten Bekasi kept Disdukcapil, DPMPTSP, Dishub, Dinkes, RSUD, Satpol PP and
    # BPBD on-site (shared/reference/context.md): their units are essential, their back offices
    # still work from home (see demo/outputs.py). The MPP counters share the MPP's doors.
    add("Disdukcapil — Kantor Dinas", "Disdukcapil", "Bekasi Selatan", "Marga Jaya", essential=True,
        services="KTP-el\nKartu Keluarga\nAkta kelahiran dan kematian\nKartu Identitas Anak\nPindah datang",
        address="Komplek Perkantoran Pemkot Bekasi, Jl. Ir. H. Juanda No. 100",
        online=("https://disdukcapil.bekasikota.go.id", "Layanan Adminduk daring (demo)"),
        phone="021 8800 0001", whatsapp="0811 0000 0001")
    add("Gerai Disdukcapil di MPP", "Disdukcapil", "Bekasi Selatan", "Kayuringin Jaya", hours=MPP, essential=True,
        services="Perekaman KTP-el\nCetak KTP-el\nKartu Keluarga", address="Mal Pelayanan Publik Kota Bekasi",
        online=("https://disdukcapil.bekasikota.go.id", "Layanan Adminduk daring (demo)"),
        whatsapp="0811 0000 0002", slug="disdukcapil-mpp")
    add("Mal Pelayanan Publik (DPMPTSP)", "DPMPTSP", "Bekasi Selatan", "Kayuringin Jaya", hours=MPP, essential=True,
        services="Perizinan berusaha (OSS)\nPBG\nIzin reklame\nKonsultasi perizinan",
        address="Mal Pelayanan Publik Kota Bekasi",
        online=("https://dpmptsp.bekasikota.go.id", "Perizinan daring (demo)"), phone="021 8800 0010",
        slug="mpp-dpmptsp")
    add("Kantor DPMPTSP", "DPMPTSP", "Bekasi Selatan", "Marga Jaya", essential=True,
        services="Pengaduan perizinan\nPengambilan dokumen izin",
        online=("https://dpmptsp.bekasikota.go.id", "Perizinan daring (demo)"))

    # Health: Puskesmas are essential (one per kecamatan in the demo), RSUD essential, IGD 24/7.
    for kec, kecamatan in kecamatans.items():
        first_kel = kecamatan.kelurahan[0].name if kecamatan.kelurahan else None
        add(f"Puskesmas {kec}", "Dinkes", kec, first_kel, hours=PUSKESMAS, essential=True,
            services="Poli umum\nKIA dan KB\nImunisasi\nPoli gigi\nLaboratorium",
            address=f"Puskesmas {kec}, Kota Bekasi", phone="021 8800 01" + f"{len(units):02d}")
    add("RSUD dr. Chasbullah Abdulmadjid — IGD", "RSUD", "Bekasi Selatan", "Marga Jaya", hours=ALWAYS,
        essential=True, open_24_7=True, services="Instalasi Gawat Darurat\nAmbulans",
        address="Jl. Pramuka No. 55", phone="021 8800 0100", slug="rsud-igd")
    add("RSUD dr. Chasbullah Abdulmadjid — Rawat Jalan", "RSUD", "Bekasi Selatan", "Marga Jaya",
        hours=MPP, essential=True, services="Poliklinik spesialis\nPendaftaran BPJS",
        address="Jl. Pramuka No. 55", online=("https://rsud.bekasikota.go.id", "Pendaftaran daring (demo)"),
        slug="rsud-rawat-jalan")
    add("Dinas Kesehatan — Kantor Dinas", "Dinkes", "Bekasi Selatan", "Marga Jaya", essential=True,
        services="Perizinan tenaga kesehatan\nSurat keterangan sehat", address="Jl. Pramuka No. 10")

    # Fire and disaster response: 24/7, essential.
    for kec in ("Bekasi Selatan", "Bekasi Utara", "Jatiasih", "Pondok Gede", "Bantargebang", "Medan Satria"):
        add(f"Pos Damkar {kec}", "Damkar", kec, hours=ALWAYS, essential=True, open_24_7=True,
            services="Pemadaman kebakaran\nPenyelamatan (rescue)\nEvakuasi hewan", phone="112",
            address=f"Pos Pemadam Kebakaran {kec}")
    add("Pusdalops BPBD", "BPBD", "Bekasi Selatan", hours=ALWAYS, essential=True, open_24_7=True,
        services="Laporan bencana dan banjir\nBantuan darurat", phone="112")

    # Other front-line agencies.
    add("UPTD Pengujian Kendaraan Bermotor (KIR)", "Dishub", "Bekasi Barat", "Kranji", essential=True,
        services="Uji KIR kendaraan\nNumpang uji", slug="dishub-uji-kir")
    add("Kantor Dinas Perhubungan", "Dishub", "Bekasi Selatan", essential=True, services="Izin trayek\nPengaduan parkir")
    add("Kantor Dinas Sosial", "Dinsos", "Bekasi Selatan",
        services="Pemutakhiran DTKS\nRekomendasi PBI-JK\nSurat keterangan tidak mampu",
        online=("https://dinsos.bekasikota.go.id", "Layanan sosial daring (demo)"))
    add("Kantor Dinas Tenaga Kerja", "Disnaker", "Bekasi Selatan",
        services="Kartu pencari kerja (AK/1)\nPengaduan hubungan industrial",
        online=("https://disnaker.bekasikota.go.id", "Layanan kartu kuning daring (demo)"))
    add("Kantor Bapenda — Layanan PBB dan BPHTB", "Bapenda", "Bekasi Selatan",
        services="SPPT PBB\nValidasi BPHTB\nKeberatan pajak daerah",
        online=("https://bapenda.bekasikota.go.id", "e-PBB dan e-BPHTB (demo)"), slug="bapenda-pbb-bphtb")
    add("Gerai Bapenda di MPP", "Bapenda", "Bekasi Selatan", "Kayuringin Jaya", hours=MPP, essential=True,
        services="Informasi pajak daerah\nCetak SPPT", address="Mal Pelayanan Publik Kota Bekasi")
    add("Layanan Kepegawaian BKPSDM", "BKPSDM", "Bekasi Selatan", services="Layanan administrasi ASN",
        online=("https://bkpsdm.bekasikota.go.id", "Layanan kepegawaian daring (demo)"))
    add("Perpustakaan Umum Kota Bekasi", "Dispusip", "Bekasi Selatan", hours=LIBRARY,
        services="Peminjaman buku\nRuang baca\nPojok baca anak")
    add("UPTD Perlindungan Perempuan dan Anak", "DPPPA", "Bekasi Timur", essential=True,
        services="Pengaduan kekerasan\nPendampingan korban", whatsapp="0811 0000 0129",
        slug="uptd-ppa")
    add("Layanan Pengaduan DLH (sampah dan lingkungan)", "DLH", "Bantargebang", "Sumur Batu",
        services="Pengaduan sampah\nIzin lingkungan", slug="dlh-pengaduan")
    add("Kantor Dinas Pendidikan — Layanan Publik", "Disdik", "Bekasi Selatan",
        services="Legalisasi ijazah\nMutasi siswa\nInformasi PPDB", slug="disdik-layanan")
    add("Kantor Satpol PP — Pengaduan Ketertiban", "Satpol PP", "Bekasi Selatan", essential=True,
        services="Pengaduan ketertiban umum", slug="satpol-pp-pengaduan")
    add("Kantor Disdagperin — Tera dan Metrologi", "Disdagperin", "Bekasi Timur",
        services="Tera ulang timbangan\nIzin usaha perdagangan", slug="disdagperin-metrologi")
    return units


def seed_units(opds, kecamatans, kelurahans) -> dict[str, ServiceUnit]:
    result: dict[str, ServiceUnit] = {}
    for index, spec in enumerate(demo_units(kecamatans, kelurahans)):
        kecamatan = kecamatans[spec["kecamatan"]]
        kelurahan = kelurahans.get(spec["kelurahan"]) if spec["kelurahan"] else None
        lat, lon = KECAMATAN_CENTRES[kecamatan.name]
        dlat, dlon = jitter(spec["slug"])
        online = spec["online"] or (None, None)
        unit = upsert(
            ServiceUnit, {"slug": spec["slug"]},
            name=spec["name"], opd=opds[spec["opd"]], kecamatan=kecamatan, kelurahan=kelurahan,
            address=spec["address"], latitude=round(lat + dlat, 5), longitude=round(lon + dlon, 5),
            phone=spec["phone"], whatsapp=spec["whatsapp"], online_channel_url=online[0],
            online_channel_name=online[1], services=spec["services"], essential=spec["essential"],
            open_24_7=spec["open_24_7"], rotation_group="AB"[index % 2], active=True,
        )
        wanted = parse_hours(spec["hours"])
        if unit.weekly_hours() != wanted:
            unit.hours.clear()
            db.session.flush()
            unit.hours.extend(UnitHours(weekday=d, opens=a, closes=b) for d, (a, b) in wanted.items())
        result[spec["slug"]] = unit
    db.session.flush()
    return result


PHASES = [
    dict(name="Pola kerja normal (sebelum uji coba)", name_en="Regular pattern (before the trial)",
         starts_on=date(2025, 1, 1), ends_on=date(2025, 10, 31), rule="regular",
         description="Seluruh ASN bekerja dari kantor sesuai jam kerja reguler.",
         description_en="All civil servants work from the office during regular hours."),
    dict(name="Tahap I: WFH setiap Kamis", name_en="Phase I: WFH every Thursday",
         starts_on=date(2025, 11, 1), ends_on=date(2025, 11, 30), rule="wfh_weekdays", wfh_weekdays="3",
         legal_basis="Mengikuti pola SE Gubernur Jawa Barat 150/KPG.03/BKD (demo)",
         description="Seluruh OPD menerapkan pola hibrida: setiap Kamis semua ASN bekerja dari rumah; "
                     "rapat dan kegiatan hari itu dialihkan ke daring. Unit layanan esensial tetap buka.",
         description_en="Every agency works hybrid: every Thursday all civil servants work from home; "
                        "meetings move online. Essential service units stay open."),
    dict(name="Tahap II: pola 50-50", name_en="Phase II: 50-50 pattern",
         starts_on=date(2025, 12, 1), ends_on=date(2025, 12, 31), rule="fifty_fifty",
         legal_basis="Mengikuti pola SE Gubernur Jawa Barat 150/KPG.03/BKD (demo)",
         note="Kapasitas loket sekitar separuh; datang lebih awal atau gunakan layanan daring.",
         note_en="About half of the counters are staffed; come early or use the online channel.",
         description="Separuh pegawai bekerja dari kantor (WFO) dan separuh dari rumah (WFH), bergantian.",
         description_en="Half of the staff work from the office, half from home, in turns."),
    dict(name="Pasca uji coba: pola kerja normal", name_en="After the trial: regular pattern",
         starts_on=date(2026, 1, 1), ends_on=None, rule="regular",
         description="Menunggu hasil evaluasi uji coba; seluruh ASN bekerja dari kantor.",
         description_en="Awaiting the trial's evaluation; all civil servants work from the office."),
]


def seed_phases() -> None:
    for spec in PHASES:
        spec = dict(spec)
        upsert(PolicyPhase, {"name": spec.pop("name")}, **spec)
    db.session.flush()


def seed_staff(opds, password: str) -> list[User]:
    """A city admin and an OPD admin per agency with units, all with the same demo password."""
    users = []
    probe = User()
    probe.set_password(password)  # one scrypt hash for all demo accounts (they share the password)
    accounts = [("admin@demo.bekasikota.go.id", "Admin BKPSDM (demo)", Role.CITY_ADMIN, opds["BKPSDM"])]
    # An OPD admin for every agency the demo's changes and report answers come from: each one is
    # made by the unit's own agency, the city admin only manages.
    for short in ("Disdukcapil", "DPMPTSP", "Dinkes", "Bapenda", "Kec. Bekasi Utara", "Kec. Bekasi Barat",
                  "Kec. Jatiasih", "Dinsos", "Disnaker", "RSUD", "Dishub", "Dispusip"):
        accounts.append((f"{slugify(short)}@demo.bekasikota.go.id", f"Admin {short} (demo)",
                         Role.OPD_ADMIN, opds[short]))
    for email, name, role, opd in accounts:
        user = db.session.scalar(select(User).filter_by(email=email))
        if user is None:
            user = User(email=email, name=name, role=role.value, opd=opd)
            db.session.add(user)
        if not user.password_hash or not user.check_password(password):
            user.password_hash = probe.password_hash
        users.append(user)
    db.session.flush()
    return users


DEMO_OVERRIDES = [
    # (unit slug, start, end, status, opens, closes, reason, decided on, at (local time)):
    # each decided by the unit's agency on or before its day, during office hours.
    ("kantor-kelurahan-harapan-baru", date(2025, 11, 14), date(2025, 11, 14), "online", None, None,
     "Kantor tergenang banjir; surat pengantar dilayani daring", date(2025, 11, 14), "08:05"),
    ("disdukcapil-mpp", date(2025, 11, 20), date(2025, 11, 20), "limited", "08:00", "12:00",
     "Pemeliharaan server SIAK pusat; perekaman KTP-el hanya sampai pukul 12.00", date(2025, 11, 19), "14:20"),
    ("kantor-kelurahan-jakasampurna", date(2025, 12, 8), date(2025, 12, 8), "closed", None, None,
     "Pemadaman listrik terjadwal PLN; layanan dialihkan ke Kantor Kecamatan Bekasi Barat",
     date(2025, 12, 5), "10:05"),
]


def seed_overrides(units, users: list[User]) -> None:
    """The demo's overrides, made as staff make them (so they are in the audit trail and feed),
    dated when their agency decided them, never at the seeding time."""
    for slug, start, end, status, opens, closes, reason, decided_on, at in DEMO_OVERRIDES:
        unit = units[slug]
        exists = db.session.scalar(select(Override).filter_by(unit_id=unit.id, starts_on=start, ends_on=end))
        if exists is not None:
            continue
        author = next((u for u in users if u.opd_id == unit.opd_id), users[0])
        override = set_override(unit, start, end, status, reason, author,
                                opens=time.fromisoformat(opens) if opens else None,
                                closes=time.fromisoformat(closes) if closes else None)
        db.session.flush()
        backdate(override, local_moment(decided_on, time.fromisoformat(at)))
    db.session.flush()


def local_moment(day: date, at: time) -> datetime:
    """A moment in Bekasi (WIB), as the database stores it (UTC)."""
    return datetime.combine(day, at, tzinfo=zone()).astimezone(UTC)


def backdate(obj, moment: datetime) -> None:
    """Date an object made by the demo, and its audit events, at the moment it was decided."""
    if hasattr(obj, "created_at"):
        obj.created_at = moment
    events = db.session.scalars(select(AuditEvent).filter_by(object_type=type(obj).__name__, object_id=obj.id))
    for event in events:
        event.at = moment


def seed(password: str) -> dict:
    """Load all demo data. Returns counts for the command's report."""
    kecamatans, kelurahans = seed_places()
    opds = seed_opds(kecamatans)
    units = seed_units(opds, kecamatans, kelurahans)
    seed_phases()
    users = seed_staff(opds, password)
    seed_overrides(units, users)
    db.session.commit()
    added, _updated = sync_holidays(HOLIDAY_YEARS)
    from ..reports.demo import seed_reports

    seed_reports()
    db.session.commit()
    for seeder in SEEDERS:
        seeder()
        db.session.commit()
    seed_outputs()
    db.session.commit()
    from ..survey.demo import seed_survey

    seed_survey()
    db.session.commit()
    return {"kecamatan": len(kecamatans), "kelurahan": len(kelurahans), "opd": len(opds),
            "units": len(units), "users": len(users), "holidays_added": added}


__all__ = ["SEEDERS", "seed", "slugify", "utcnow"]

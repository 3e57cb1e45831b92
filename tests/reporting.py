"""Helpers shared by the tests of disruption reports: a small world of two agencies, valid form
data for /lapor and Open311, and what is stored."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, Report, ReportContact, Role

from . import factories as f

CODE = re.compile(r"BKS-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}")


def bekasi_today():
    return datetime.now(ZoneInfo("Asia/Jakarta")).date()


@dataclass
class World:
    """Two agencies with a unit each, their admins and a city admin (ids and slugs only)."""

    unit_a: str
    unit_b: str
    opd_a: int
    opd_b: int
    admin_a: str
    admin_b: str
    city: str


def build_world() -> World:
    """Call inside an app context; commits."""
    kec = f.kecamatan("Bekasi Selatan")
    opd_a = f.opd("Disdukcapil", "Dinas Kependudukan dan Pencatatan Sipil")
    opd_b = f.opd("Dinkes", "Dinas Kesehatan")
    f.unit("Gerai Disdukcapil MPP", owner=opd_a, kec=kec, slug="disdukcapil-mpp",
           latitude=-6.2560, longitude=106.9920)
    f.unit("Puskesmas Rawalumbu", owner=opd_b, kec=kec, slug="puskesmas-rawalumbu",
           latitude=-6.2750, longitude=107.0060, essential=True)
    f.user("admin.a@bekasikota.go.id", Role.OPD_ADMIN, opd_a, name="Petugas Disdukcapil")
    f.user("admin.b@bekasikota.go.id", Role.OPD_ADMIN, opd_b, name="Petugas Dinkes")
    f.user("kota@bekasikota.go.id", Role.CITY_ADMIN, None, name="Admin Kota")
    db.session.commit()
    return World("disdukcapil-mpp", "puskesmas-rawalumbu", opd_a.id, opd_b.id,
                  "admin.a@bekasikota.go.id", "admin.b@bekasikota.go.id", "kota@bekasikota.go.id")


def form_data(unit: str = "disdukcapil-mpp", **changes) -> dict:
    """What a resident's browser posts to /lapor for a valid report."""
    data = {
        "unit": unit,
        "visited_on": (bekasi_today() - timedelta(days=1)).isoformat(),
        "visited_at": "09:30",
        "category": "closed_though_open",
        "description": "Kantor tutup pukul 10.00 padahal portal menyebut buka tatap muka.",
        "visibility": "public",
        "name": "",
        "phone": "",
        "email": "",
        "submission_token": secrets.token_urlsafe(24),
        "website": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def open311_data(unit: str = "disdukcapil-mpp", **changes) -> dict:
    data = {
        "service_code": "online_unreachable",
        "attribute[unit]": unit,
        "description": "Situs layanan daring tidak dapat dibuka sejak pagi, muncul error 502.",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def stored(app) -> dict:
    """How many reports, contacts and audit events the database holds."""
    with app.app_context():
        return {
            "reports": db.session.scalar(select(func.count()).select_from(Report)),
            "contacts": db.session.scalar(select(func.count()).select_from(ReportContact)),
            "events": db.session.scalar(select(func.count()).select_from(AuditEvent)),
        }


def code_of(response) -> str:
    """The tracking code a successful /lapor POST redirected to."""
    location = response.headers.get("Location") or response.headers.get("HX-Redirect") or ""
    match = CODE.search(location)
    assert match, (response.status_code, location)
    return match.group(0)


def login(client, email: str) -> None:
    response = client.post("/admin/login", data={"email": email, "password": f.PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]

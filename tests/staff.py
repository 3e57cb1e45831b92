"""A small staff world for the staff-area tests: two OPDs, their units and admins, a city admin.

``sign_in`` puts a user in the test client's session directly (Flask-Login's session keys), so
the many authorization checks do not pay for a scrypt password check each time; the login
itself is tested in test_auth.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from portal.auth.sessions import login_id
from portal.extensions import db
from portal.models import (Holiday, Opd, OutputIndicator, Override, PolicyPhase, Report, Role, ServiceUnit,
                           SurveyResponse, User)
from portal.policy import PhaseDraft

from . import factories as f

TODAY = date(2025, 11, 5)  # a Wednesday of Tahap I, pinned with @pytest.mark.config(TODAY=TODAY)
PASSWORD_HASH = generate_password_hash(f.PASSWORD, method="scrypt")  # computed once


def staff_user(email: str, role: Role, opd: Opd | None) -> User:
    user = User(email=email, name=email.split("@")[0].replace(".", " ").title(), role=role.value,
                opd=opd, password_hash=PASSWORD_HASH)
    db.session.add(user)
    db.session.flush()
    return user


@dataclass
class World:
    opd_a: Opd
    opd_b: Opd
    unit_a: ServiceUnit  # belongs to OPD A
    unit_b: ServiceUnit  # belongs to OPD B
    override_a: Override
    phase: PolicyPhase  # upcoming: may still be withdrawn
    holiday: Holiday  # local, upcoming
    admin_a: User  # OPD admin of A
    admin_b: User  # OPD admin of B ("another OPD" for everything of A)
    city: User  # BKPSDM
    indicator_a: OutputIndicator  # an output indicator of OPD A
    report_a: Report  # a disruption report about unit A, with the reporter's contact data
    answer_a: SurveyResponse  # a survey answer about unit A with a suggestion waiting for moderation

    def by_role(self, role: str) -> User | None:
        return {"anonymous": None, "other_opd": self.admin_b, "owner": self.admin_a, "city": self.city}[role]


def build_world() -> World:
    """Call inside an app context; commits."""
    from portal.overrides import set_override

    opd_a, opd_b = f.opd("Disdukcapil"), f.opd("Dinsos")
    unit_a = f.unit("Loket Rahasia Kranji", owner=opd_a, slug="loket-rahasia-kranji")
    unit_b = f.unit("Kantor Dinsos Bintara", owner=opd_b, slug="kantor-dinsos-bintara")
    admin_a = staff_user("petugas.a@bekasikota.go.id", Role.OPD_ADMIN, opd_a)
    admin_b = staff_user("petugas.b@bekasikota.go.id", Role.OPD_ADMIN, opd_b)
    city = staff_user("bkpsdm@bekasikota.go.id", Role.CITY_ADMIN, None)
    f.phase("Tahap I", date(2025, 11, 1), date(2025, 11, 30), "wfh_weekdays", wfh_weekdays="3")
    phase = f.phase("Tahap II", date(2025, 12, 1), date(2025, 12, 31), "fifty_fifty", note="Kapasitas 50%")
    holiday = f.holiday(date(2025, 11, 28), "Hari Jadi (uji)", kind="local")
    override_a = set_override(unit_a, date(2025, 11, 12), date(2025, 11, 12), "closed", "Pemadaman listrik",
                              actor=admin_a)
    indicator_a = OutputIndicator(opd=opd_a, slug="dokumen-terbit", name="Dokumen terbit",
                                  unit_of_measure="dokumen")
    db.session.add(indicator_a)
    report_a = f.report(unit_a, created_at=datetime(2025, 11, 3, 2, 0, tzinfo=timezone.utc),
                        contact={"name": "Warga Pelapor", "phone": "081234567890", "email": "warga@example.org"})
    answer_a = SurveyResponse(unit_id=unit_a.id, opd_id=opd_a.id, service="KTP-el", visited_on=date(2025, 11, 4),
                              mode="onsite", wfh_day=False, suggestion="Mohon tambah kursi tunggu.",
                              **{f"u{n}": 3 for n in range(1, 10)})
    db.session.add(answer_a)
    db.session.commit()
    return World(opd_a, opd_b, unit_a, unit_b, override_a, phase, holiday, admin_a, admin_b, city, indicator_a,
                 report_a, answer_a)


def sign_in(client, user: User | int | None) -> None:
    """Sign a user (or a user id) in, or everybody out with None."""
    if user is not None:
        with client.application.app_context():
            session_id = login_id(db.session.get(User, user if isinstance(user, int) else user.id), False)
    with client.session_transaction() as session:
        session.clear()
        if user is not None:
            session["_user_id"] = session_id
            session["_fresh"] = True


def lock(user: User, failures: int = 5) -> None:
    """Failed sign-ins on record, as after someone tried to guess the password."""
    user.failed_logins = failures


def database_state() -> dict[str, list[str]]:
    """Every row of every table: compare two of them to prove that nothing changed."""
    return {table.name: sorted(repr(tuple(row)) for row in db.session.execute(table.select()))
            for table in db.metadata.sorted_tables}


def unit_named(name: str) -> ServiceUnit:
    return db.session.scalar(select(ServiceUnit).filter_by(name=name))


def phase_form_data(draft: PhaseDraft) -> dict:
    """The phase form's fields for a draft (as a browser would post them)."""
    return {
        "name": draft.name, "name_en": draft.name_en or "", "starts_on": draft.starts_on.isoformat(),
        "ends_on": draft.ends_on.isoformat() if draft.ends_on else "", "rule": draft.rule.value,
        "wfh_weekdays": [str(day) for day in sorted(draft.wfh_weekdays)], "note": draft.note,
        "note_en": draft.note_en or "", "description": draft.description,
        "description_en": draft.description_en or "", "legal_basis": draft.legal_basis or "",
        "exempt_opds": [str(opd_id) for opd_id in sorted(draft.exempt_opd_ids)],
    }

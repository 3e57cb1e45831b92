"""Authorization of the whole staff area: every rule under /admin, walked from ``app.url_map``,
for an anonymous visitor, the admin of another OPD, the admin of the owning OPD and a city admin,
with GET and POST. A refused request changes nothing in the database.

ADDING A ROUTE under /admin? This test fails until the route is in ``ROUTES`` below: say who may
use it (``Access``), give valid form data for its POST (so a refusal proves something), and, if
its URL has a new argument, say how to fill it in ``URL_ARGS`` (objects of OPD "A" come from the
``World`` in tests/staff.py; add yours there).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import Enum
from typing import Callable

import pytest
from flask import url_for

from portal import create_app
from portal.extensions import db
from portal.policy import PhaseDraft
from portal.schedule import RuleKind

from .staff import TODAY, World, build_world, database_state, lock, phase_form_data, sign_in


class Access(Enum):
    PUBLIC = "anyone"  # the login page
    STAFF = "any signed-in staff"  # nothing of another OPD in the URL or the data
    OWNER = "the owning OPD's admins and city admins"  # an object of OPD A in the URL or the data
    CITY = "city admins only"


@dataclass(frozen=True)
class Route:
    get: Access | None = None  # None: the rule has no GET
    post: Access | None = None
    data: Callable[[World], dict] = lambda world: {}  # valid POST data: it changes something
    post_changes: bool = True  # an allowed POST changes the database (False: e.g. logout)
    refused: int = 403  # the answer to a signed-in user who may not (400: refused line by line)


def phase_data(world: World, phase_id: int | None) -> dict:
    """A new phase, or the world's upcoming phase ended a week early: previewed, then saved."""
    if phase_id is None:
        draft = PhaseDraft(name="Tahap III", starts_on=date(2026, 1, 5), ends_on=date(2026, 1, 30),
                           rule=RuleKind.WFH_WEEKDAYS, wfh_weekdays=frozenset({0, 4}))
    else:
        draft = replace(PhaseDraft.of(world.phase), ends_on=date(2025, 12, 24))
    return {**phase_form_data(draft), "save": "1", "preview_token": draft.token(phase_id)}


def unit_data(world: World) -> dict:
    unit = world.unit_a
    data = {"name": unit.name, "opd_id": unit.opd_id, "kecamatan_id": unit.kecamatan_id, "kelurahan_id": 0,
            "address": "Jl. Baru No. 2", "services": "KTP-el", "rotation_group": "A", "active": "y",
            "opens_0": "08:00", "closes_0": "15:00"}
    return data


ROUTES: dict[str, Route] = {
    # login and logout (portal/auth)
    "auth.login": Route(get=Access.PUBLIC, post=Access.PUBLIC,
                        data=lambda w: {"email": "petugas.a@bekasikota.go.id", "password": "salah"}),
    "auth.logout": Route(post=Access.STAFF, post_changes=False),
    "admin.dashboard": Route(get=Access.STAFF),
    # availability editor (portal/admin/availability.py)
    "admin.availability": Route(get=Access.STAFF),
    "admin.availability_cell": Route(get=Access.OWNER, post=Access.OWNER, data=lambda w: {
        "status": "online", "reason": "Banjir di depan kantor", "ends_on": "2025-11-13"}),
    "admin.override_remove": Route(post=Access.OWNER),
    "admin.availability_bulk": Route(get=Access.STAFF, post=Access.OWNER, data=lambda w: {
        "units": str(w.unit_a.id), "starts_on": "2025-11-10", "ends_on": "2025-11-11", "action": "set",
        "status": "closed", "reason": "Banjir"}),
    # policy phases and holidays (portal/admin/policy.py)
    "admin.phases": Route(get=Access.CITY),
    "admin.phase_new": Route(get=Access.CITY, post=Access.CITY, data=lambda w: phase_data(w, None)),
    "admin.phase_edit": Route(get=Access.CITY, post=Access.CITY, data=lambda w: phase_data(w, w.phase.id)),
    "admin.phase_delete": Route(post=Access.CITY, data=lambda w: {"confirm": "y"}),
    "admin.holidays": Route(get=Access.CITY),
    "admin.holiday_new": Route(get=Access.CITY, post=Access.CITY,
                               data=lambda w: {"day": "2025-11-21", "name": "Penutupan: banjir"}),
    "admin.holiday_edit": Route(get=Access.CITY, post=Access.CITY,
                                data=lambda w: {"day": "2025-11-28", "name": "Hari Jadi Kota"}),
    "admin.holiday_delete": Route(post=Access.CITY),
    # agencies, units and accounts (portal/admin/directory.py)
    "admin.opds": Route(get=Access.CITY),
    "admin.opd_new": Route(get=Access.CITY, post=Access.CITY, data=lambda w: {
        "slug": "dishub", "short_name": "Dishub", "name": "Dinas Perhubungan", "kind": "dinas"}),
    "admin.opd_edit": Route(get=Access.CITY, post=Access.CITY, data=lambda w: {
        "short_name": "Disdukcapil", "name": "Dinas Kependudukan dan Pencatatan Sipil", "kind": "dinas"}),
    "admin.units": Route(get=Access.STAFF),
    "admin.unit_new": Route(get=Access.CITY, post=Access.CITY,
                            data=lambda w: {**unit_data(w), "slug": "loket-baru", "name": "Loket Baru"}),
    "admin.unit_edit": Route(get=Access.OWNER, post=Access.OWNER, data=unit_data),
    "admin.users": Route(get=Access.CITY),
    "admin.user_new": Route(get=Access.CITY, post=Access.CITY, data=lambda w: {
        "email": "baru@bekasikota.go.id", "name": "Staf Baru", "role": "opd_admin", "opd_id": w.opd_a.id,
        "password": "kata-sandi-panjang", "password_confirm": "kata-sandi-panjang"}),
    "admin.user_edit": Route(get=Access.CITY, post=Access.CITY, data=lambda w: {
        "email": w.admin_a.email, "name": "Nama Baru", "role": "opd_admin", "opd_id": w.opd_a.id,
        "is_active_account": "y"}),
    "admin.user_password": Route(post=Access.CITY, data=lambda w: {
        "sandi-password": "kata-sandi-baru-1", "sandi-password_confirm": "kata-sandi-baru-1"}),
    "admin.user_unlock": Route(post=Access.CITY),
    # audit trail (portal/admin/audit_log.py)
    "admin.audit_log": Route(get=Access.STAFF),
    # daily output entry and import (portal/admin/outputs.py); the OPD is in the form data
    "admin.outputs": Route(get=Access.STAFF),
    "admin.outputs_save": Route(post=Access.OWNER, data=lambda w: {
        "opd": w.opd_a.slug, "day": "2025-11-04", "mode": "wfo", "staff_on_duty": "10", "reports_due": "10",
        "reports_submitted": "9", f"q_{w.indicator_a.id}": "120"}),
    "admin.outputs_indicator": Route(post=Access.OWNER, data=lambda w: {
        "opd": w.opd_a.slug, "name": "Akta terbit", "unit_of_measure": "akta"}),
    "admin.outputs_costs": Route(post=Access.OWNER, data=lambda w: {
        "opd": w.opd_a.slug, "month": "2025-10", "electricity": "1500000"}),
    "admin.outputs_template": Route(get=Access.STAFF),
    # disruption reports triage (portal/admin/reports.py)
    "admin.report_queue": Route(get=Access.STAFF),
    "admin.report_detail": Route(get=Access.OWNER),
    "admin.report_status": Route(post=Access.OWNER, data=lambda w: {
        "status": "verified", "public_message": "Laporan sedang kami periksa.", "internal_note": ""}),
    "admin.report_spam": Route(post=Access.OWNER, data=lambda w: {"spam": "1"}),
    "admin.report_hide": Route(post=Access.OWNER),
    "admin.report_reassign": Route(post=Access.CITY, data=lambda w: {"opd": w.opd_b.slug, "note": "Kewenangan Dinsos"}),
    "admin.report_erase_contact": Route(post=Access.OWNER),
    # survey suggestions (portal/admin/suggestions.py)
    "admin.suggestions": Route(get=Access.STAFF),
    "admin.suggestion_moderate": Route(post=Access.OWNER, data=lambda w: {"state": "approved"}),
    # another OPD's lines in a file are rejected with the file's other problems, line by line
    "admin.outputs_import": Route(get=Access.STAFF, post=Access.OWNER, refused=400, data=lambda w: {
        "content": "date,opd,mode,indicator,quantity,staff_on_duty,reports_due,reports_submitted\n"
                   f"2025-11-04,{w.opd_a.slug},wfo,{w.indicator_a.slug},5,3,3,3\n",
        "filename": "output.csv", "action": "import"}),
}

# How to fill each URL argument with an object of OPD A.
URL_ARGS: dict[str, Callable[[World], object]] = {
    "unit_id": lambda w: w.unit_a.id,
    "day": lambda w: "2025-11-12",
    "override_id": lambda w: w.override_a.id,
    "phase_id": lambda w: w.phase.id,
    "holiday_id": lambda w: w.holiday.id,
    "opd_id": lambda w: w.opd_a.id,
    "user_id": lambda w: w.admin_a.id,
    "code": lambda w: w.report_a.code,
    "answer_id": lambda w: w.answer_a.id,
}

ROLES = ("anonymous", "other_opd", "owner", "city")


def admin_rules():
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted((rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/admin")),
                  key=lambda rule: rule.endpoint)


RULES = admin_rules()


def allowed(access: Access, role: str) -> bool:
    return {
        Access.PUBLIC: True,
        Access.STAFF: role != "anonymous",
        Access.OWNER: role in ("owner", "city"),
        Access.CITY: role == "city",
    }[access]


def test_every_admin_route_is_in_the_table():
    endpoints = {rule.endpoint for rule in RULES}
    assert sorted(endpoints - set(ROUTES)) == [], "add these routes to ROUTES (see the module docstring)"
    assert sorted(set(ROUTES) - endpoints) == [], "these ROUTES entries name no route any more"
    for rule in RULES:
        assert set(rule.arguments) <= set(URL_ARGS), f"add {rule.arguments - set(URL_ARGS)} to URL_ARGS"
        route = ROUTES[rule.endpoint]
        assert ("GET" in rule.methods) == (route.get is not None), rule.endpoint
        assert ("POST" in rule.methods) == (route.post is not None), rule.endpoint


@pytest.mark.config(TODAY=TODAY)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.endpoint)
def test_admin_route_answers_each_role_as_the_table_says(app, client, rule, role):
    with app.app_context():
        world = build_world()
        lock(world.admin_a)  # so that "unlock" has something to do
        db.session.commit()
        user = world.by_role(role)
        sign_in(client, user)
        route = ROUTES[rule.endpoint]
        with app.test_request_context():
            url = url_for(rule.endpoint, **{arg: URL_ARGS[arg](world) for arg in rule.arguments})
        data = route.data(world)
        secret = world.unit_a.name
    for method, access in (("GET", route.get), ("POST", route.post)):
        if access is None:
            continue
        with app.app_context():
            before = database_state()
        response = client.open(url, method=method, data=data if method == "POST" else None)
        with app.app_context():
            after = database_state()
        what = f"{method} {url} as {role}"
        assert response.status_code < 500, what
        if access is Access.PUBLIC:
            continue
        if not allowed(access, role):
            if role == "anonymous":
                assert response.status_code == 302, what
                assert response.headers["Location"].startswith("/admin/login"), what
            else:
                assert response.status_code == route.refused, what
            assert after == before, f"{what} was refused but changed the database"
        elif method == "GET":
            assert response.status_code == 200, what
            if role == "other_opd":  # allowed pages show nothing of another OPD
                assert secret not in response.get_data(as_text=True), what
        else:
            assert response.status_code in (200, 302, 303), (what, response.get_data(as_text=True)[:2000])
            if route.post_changes:
                assert after != before, f"{what}: the test data should change something"
            if role == "other_opd":
                assert secret not in response.get_data(as_text=True), what

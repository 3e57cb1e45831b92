"""Free text refuses bidi controls and other invisible control characters ("Trojan Source": a text
that reads differently from what is stored), with a clear 400; ordinary text, line breaks and emoji
sequences pass."""

from __future__ import annotations

import pytest

from portal.forms import invisible_characters

from .reporting import build_world, form_data, open311_data, stored
from .staff import TODAY
from .staff import build_world as build_staff_world
from .staff import sign_in

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "gpj.exe" shows as "exe.jpg"
DESCRIPTION = "Loket tutup pukul 10.00 padahal jadwal buka sampai pukul 15.00 {}hari ini."


@pytest.mark.parametrize("char", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067",
                                  "\u2068", "\u2069", "\u200e", "\u200f", "\u200b", "\u2060", "\ufeff",
                                  "\u00ad", "\x07", "\x1b", "\x85"])
def test_each_invisible_control_character_is_found(char):
    assert invisible_characters(f"a{char}b") == [f"U+{ord(char):04X}"]


def test_line_breaks_tabs_and_emoji_sequences_are_ordinary_text():
    assert invisible_characters("Baris satu\r\nbaris dua\tkolom 👨\u200d👩\u200d👧 ٱلسَّلَامُ") == []


def test_a_report_with_a_bidi_override_is_refused_with_a_message_and_stores_nothing(app, client):
    with app.app_context():
        build_world()
    before = stored(app)
    response = client.post("/lapor", data=form_data(description=DESCRIPTION.format(RLO)))
    assert response.status_code == 400
    assert "karakter kendali tak terlihat (U+202E)" in response.get_data(as_text=True)
    assert stored(app) == before
    english = client.post("/lapor?lang=en", data=form_data(name="Wulan" + RLO, description=DESCRIPTION.format("")))
    assert english.status_code == 400 and "invisible control characters (U+202E)" in english.get_data(as_text=True)
    assert stored(app) == before
    ok = client.post("/lapor", data=form_data(description=DESCRIPTION.format("👨\u200d👩\u200d👧 ") + "\r\nTerima kasih."))
    assert ok.status_code in (302, 303)


def test_open311_refuses_a_bidi_override_too(app, client):
    with app.app_context():
        build_world()
    before = stored(app)
    response = client.post("/open311/v2/requests.json", data=open311_data(description=DESCRIPTION.format(RLO)))
    assert response.status_code == 400 and "U+202E" in response.get_data(as_text=True)
    assert stored(app) == before


@pytest.mark.config(TODAY=TODAY)
def test_staff_forms_refuse_invisible_characters(app, client):
    with app.app_context():
        world = build_staff_world()
        city, opd_id = world.city.id, world.opd_a.id
    sign_in(client, city)
    response = client.post("/admin/opd/baru", data={"slug": "dishub", "short_name": "Dishub",
                                                    "name": "Dinas " + RLO + "Perhubungan", "kind": "dinas"})
    assert response.status_code == 400 and "U+202E" in response.get_data(as_text=True)
    response = client.post(f"/admin/opd/{opd_id}", data={"short_name": "Disduk\u2066capil",
                                                          "name": "Dinas Kependudukan", "kind": "dinas"})
    assert response.status_code == 400 and "U+2066" in response.get_data(as_text=True)

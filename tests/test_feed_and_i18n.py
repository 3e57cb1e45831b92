"""The Atom feeds (more in test_feeds.py), and the completeness of the Indonesian catalog."""

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from portal.extensions import db

from . import factories as f

ATOM = "{http://www.w3.org/2005/Atom}"
ROOT = Path(__file__).resolve().parent.parent


def test_empty_feed_is_still_valid(client):
    feed = ET.fromstring(client.get("/feed.atom").data)
    assert feed.find(f"{ATOM}title").text.startswith("Portal Layanan")


def test_every_message_has_an_indonesian_translation(tmp_path):
    """Extract all messages from code and templates: none may be missing from the id catalog."""
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "--ignore-dirs", ".*", "-o", str(pot), "."],
                   cwd=ROOT, check=True, capture_output=True)
    with open(pot, "rb") as handle:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    with open(ROOT / "portal/translations/id/LC_MESSAGES/messages.po", "rb") as handle:
        catalog = read_po(handle)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and not m.fuzzy and (m.string if isinstance(m.string, str) else all(m.string))
    }
    missing = sorted(wanted - translated)
    assert missing == [], f"untranslated (run `make translations` and translate): {missing[:20]}"


@pytest.mark.demo
def test_dates_and_numbers_follow_the_language(client):
    assert "Kamis, 6 November 2025" in client.get("/?tanggal=2025-11-06").get_data(as_text=True)
    assert "Thursday, 6 November 2025" in client.get("/?tanggal=2025-11-06&lang=en").get_data(as_text=True)


def test_a_new_public_report_in_the_feed_is_authored_by_a_resident(app, client):
    from portal.reports.service import record_created

    with app.app_context():
        report = f.report(f.unit("Loket Bintara", owner=f.opd("Disdukcapil")),
                          contact={"name": "Nama Rahasia", "phone": "0811", "email": "r@example.org"})
        record_created(report)
        db.session.commit()
    feed = ET.fromstring(client.get("/laporan/feed.atom").data)
    authors = [e.find(f"{ATOM}author/{ATOM}name").text for e in feed.findall(f"{ATOM}entry")]
    assert authors == ["Warga"]
    assert b"Nama Rahasia" not in client.get("/laporan/feed.atom").data


def test_a_request_body_over_the_limit_gets_413_in_indonesian(client):
    response = client.post("/lapor", data={"description": "x" * (5 * 1024 * 1024)})
    assert response.status_code == 413
    assert "terlalu besar" in response.get_data(as_text=True)


def test_dates_are_written_in_the_language_of_each_request(app):
    """i18n.date_text remembers Babel's answers per date, pattern and language: the same date
    asked in Indonesian, then English, then Indonesian again, is each time in that language."""
    from datetime import date

    from babel.dates import format_date

    from portal import i18n

    day = date(2025, 11, 6)
    for locale in ("id", "en", "id"):
        with app.test_request_context(f"/?lang={locale}"):
            assert i18n.medium_date(day) == format_date(day, "d MMM y", locale=locale)
            assert i18n.long_date(day) == format_date(day, "EEEE, d MMMM y", locale=locale)
    with app.test_request_context("/?lang=id"):
        assert i18n.long_date(day) == "Kamis, 6 November 2025"
    with app.test_request_context("/?lang=en"):
        assert i18n.long_date(day) == "Thursday, 6 November 2025"

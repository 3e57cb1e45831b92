"""A visitor subscribes from a unit page, with and without JavaScript, and confirms by the link
she receives (a real local SMTP server)."""

import re

from sqlalchemy import select

from portal.extensions import db
from portal.mail import outbox
from portal.mail.models import OutboxMessage

from ..mail_server import SmtpServer


def deliver(live_server) -> list:
    """Run the sender of the live server against a local SMTP server; what it received."""
    server = SmtpServer().start()
    app = live_server.app
    try:
        saved = app.config["MAIL_SERVER"], app.config["MAIL_PORT"]
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
        with app.test_request_context():
            outbox.send_due()
        app.config["MAIL_SERVER"], app.config["MAIL_PORT"] = saved
        return server.inbox.take()
    finally:
        server.stop()


def queued_for(live_server, address: str) -> int:
    with live_server.app.app_context():
        return len(db.session.scalars(select(OutboxMessage).filter_by(recipient=address)).all())


def test_subscribe_from_the_unit_page_with_htmx_then_confirm(live_server, page):
    page.goto(f"{live_server.url}/unit/disdukcapil-mpp")
    page.click('a[href="/langganan?unit=disdukcapil-mpp"]')
    page.wait_for_url(re.compile(r".*/langganan\?unit=disdukcapil-mpp$"))
    assert page.locator("#units option:checked").evaluate_all("options => options.map(o => o.value)") == [
        "disdukcapil-mpp"]
    # Errors come back in place (htmx), beside the fields, without leaving the page.
    page.click("#subscribe-submit")
    page.wait_for_selector(".error-summary")
    assert "Berikan persetujuan Anda" in page.inner_text("#consent-field")
    page.fill("#email", "warga.e2e@example.org")
    page.check("#consent")
    page.click("#subscribe-submit")
    page.wait_for_selector("#subscribe-sent")
    assert "Periksa kotak masuk Anda" in page.inner_text("#subscribe-sent")
    assert page.url.endswith("/langganan?unit=disdukcapil-mpp")  # swapped in place
    assert queued_for(live_server, "warga.e2e@example.org") == 1
    [mail] = [m for m in deliver(live_server) if m.envelope_to == ["warga.e2e@example.org"]]
    link = re.search(r"http\S+/langganan/konfirmasi/\S+", mail.message.get_content()).group(0)
    page.goto(link)
    assert "Gerai Disdukcapil di MPP" in page.inner_text("main")
    page.click("#confirm-submit")
    page.wait_for_selector("text=Langganan dikonfirmasi")
    assert "Gerai Disdukcapil di MPP" in page.inner_text("main")


def test_subscribe_without_javascript(live_server, nojs_page):
    page = nojs_page
    page.goto(f"{live_server.url}/langganan")
    page.select_option("#kecamatan", "jatiasih")
    page.fill("#email", "tanpa.js@example.org")
    page.check("#consent")
    page.click("#subscribe-submit")
    page.wait_for_selector("#subscribe-sent")
    assert "Periksa kotak masuk Anda" in page.inner_text("#subscribe-sent")
    assert queued_for(live_server, "tanpa.js@example.org") == 1
    page.goto(f"{live_server.url}/langganan")
    page.click("#subscribe-submit")  # nothing chosen, no address: a full page with the errors
    assert "Pilih setidaknya satu unit layanan, OPD, atau kecamatan." in page.inner_text(".error-summary")

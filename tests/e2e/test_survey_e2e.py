"""A citizen answers the satisfaction survey on a 360 px phone with the keyboard only."""

import json

from sqlalchemy import select

from portal.extensions import db
from portal.models import SurveyResponse

UNIT = "disdukcapil-mpp"


def focused(page, selector: str) -> bool:
    return page.evaluate(f"() => !!document.activeElement && document.activeElement.matches({json.dumps(selector)})")


def tab_to(page, selector: str, limit: int = 120) -> None:
    """Press Tab until ``selector`` has the focus; every stop on the way stays inside the screen."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        box = page.evaluate("() => { const r = document.activeElement.getBoundingClientRect();"
                            " return [r.left, r.right]; }")
        assert box[0] >= -1 and box[1] <= 361, (box, page.evaluate("() => document.activeElement.outerHTML"))
        if focused(page, selector):
            return
    raise AssertionError(f"{selector} never got the focus")


def test_a_keyboard_only_visitor_fills_the_survey_on_a_phone(live_server, page):
    page.goto(f"{live_server.url}/survei?unit={UNIT}")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360  # nothing wider than the phone
    tab_to(page, "#service")
    page.keyboard.press("ArrowDown")  # the first service of the unit
    assert page.input_value("#service") != ""
    tab_to(page, "input[name=mode]")
    page.keyboard.press("Space")  # on-site (the date of the visit stays today)
    for n in range(1, 10):
        tab_to(page, f"input[name=u{n}]")
        page.keyboard.press("ArrowRight")  # arrows move through a radio group and choose
        page.keyboard.press("ArrowRight")  # the third answer: score 3
        assert page.locator(f"input[name=u{n}]:checked").get_attribute("value") == "3"
    tab_to(page, "#suggestion")
    page.keyboard.type("Antrean pagi panjang, mohon tambah loket.")
    tab_to(page, "#survey-submit")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/survei/terima-kasih?unit={UNIT}")
    assert "Terima kasih" in page.inner_text("h1")
    with live_server.app.app_context():
        answer = db.session.scalars(select(SurveyResponse).where(SurveyResponse.suggestion.is_not(None))
                                    .order_by(SurveyResponse.id.desc())).first()
        assert answer.suggestion == "Antrean pagi panjang, mohon tambah loket."
        assert answer.unit.slug == UNIT and answer.mode == "onsite" and answer.scores() == (3,) * 9
        assert answer.suggestion_state == "pending" and answer.device_key


def test_a_missing_answer_is_shown_beside_its_question_and_the_summary_takes_the_focus(live_server, page):
    page.goto(f"{live_server.url}/survei?unit={UNIT}")
    tab_to(page, "#survey-submit")
    page.keyboard.press("Enter")
    page.wait_for_selector(".error-summary")
    page.wait_for_function("() => document.activeElement.classList.contains('error-summary')")
    assert "Pilih salah satu dari empat jawaban" in page.inner_text("#u3")
    assert page.locator("header.site-header").count() == 1  # swapped in place

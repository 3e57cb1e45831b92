"""The survey's words: the nine elements (unsur) with the questions and answer scales of the model
questionnaire of PermenPANRB 14/2017 (Indonesian in the catalog, English as the message ids),
the respondent profile as the regulation's questionnaire lists it, the grades and the splits."""

from __future__ import annotations

from dataclasses import dataclass

from .. import ikm
from ..i18n import lazy_gettext as _l


@dataclass(frozen=True)
class Element:
    key: str  # u1 … u9
    name: object  # lazy text: the element's name (unsur)
    question: object
    scale: tuple  # four lazy texts, score 1 to 4


ELEMENTS = (
    Element("u1", _l("Requirements"),
            _l("How well do the requirements of the service match the kind of service?"),
            (_l("Not appropriate"), _l("Less appropriate"), _l("Appropriate"), _l("Very appropriate"))),
    Element("u2", _l("Systems, mechanisms and procedures"),
            _l("How easy is the service procedure at this unit?"),
            (_l("Not easy"), _l("Less easy"), _l("Easy"), _l("Very easy"))),
    Element("u3", _l("Time to completion"),
            _l("How fast was the service delivered?"),
            (_l("Not fast"), _l("Less fast"), _l("Fast"), _l("Very fast"))),
    Element("u4", _l("Cost/tariff"),
            _l("How fair is the cost or tariff of the service?"),
            (_l("Very expensive"), _l("Rather expensive"), _l("Cheap"), _l("Free of charge"))),
    Element("u5", _l("Product specification of the type of service"),
            _l("How well does the product of the service match what the service standard promises?"),
            (_l("Not appropriate"), _l("Less appropriate"), _l("Appropriate"), _l("Very appropriate"))),
    Element("u6", _l("Competence of the staff"),
            _l("How competent were the staff who served you?"),
            (_l("Not competent"), _l("Less competent"), _l("Competent"), _l("Very competent"))),
    Element("u7", _l("Conduct of the staff"),
            _l("How polite and friendly were the staff who served you?"),
            (_l("Not polite and friendly"), _l("Less polite and friendly"), _l("Polite and friendly"),
             _l("Very polite and friendly"))),
    Element("u8", _l("Facilities and infrastructure"),
            _l("What is the quality of the facilities and infrastructure?"),
            (_l("Poor"), _l("Fair"), _l("Good"), _l("Very good"))),
    Element("u9", _l("Handling of complaints, suggestions and feedback"),
            _l("How are complaints of service users handled?"),
            (_l("There is none"), _l("There is one but it does not work"), _l("It works but not fully"),
             _l("Well managed"))),
)
assert tuple(element.key for element in ELEMENTS) == ikm.ELEMENTS

MODE_LABELS = {
    ikm.ONSITE: _l("On-site, at the counter"),
    ikm.ONLINE: _l("Online (website, application, WhatsApp, phone)"),
}

SPLIT_LABELS = {
    ikm.ALL: _l("All answers"),
    ikm.ONSITE: _l("Served on-site"),
    ikm.ONLINE: _l("Served online"),
    ikm.WFH_DAY: _l("On WFH days"),
    ikm.OTHER_DAY: _l("On other days"),
}

GRADE_LABELS = {
    "A": _l("Very good"),
    "B": _l("Good"),
    "C": _l("Less than good"),
    "D": _l("Not good"),
}

# The respondent profile of the regulation's questionnaire (all optional, never public).
AGE_BANDS = {
    "lt20": _l("under 20"), "20-29": "20–29", "30-39": "30–39", "40-49": "40–49", "50-59": "50–59",
    "60+": _l("60 or older"),
}
SEXES = {"L": _l("Male"), "P": _l("Female")}
EDUCATION = {
    "sd": _l("Primary school (SD) or less"), "smp": _l("Junior high school (SMP)"),
    "sma": _l("Senior high school (SMA/SMK)"), "d1-d3": _l("Diploma (D1–D3)"),
    "d4-s1": _l("Bachelor (D4/S1)"), "s2+": _l("Master (S2) or higher"),
}
OCCUPATIONS = {
    "pns": _l("Civil servant (PNS)"), "tni": "TNI", "polri": "POLRI", "swasta": _l("Private employee"),
    "wirausaha": _l("Self-employed"), "lainnya": _l("Other"),
}
PROFILE_FIELDS = ("age_band", "sex", "education", "occupation")

SUGGESTION_STATE_LABELS = {
    "pending": _l("Waiting for moderation"),
    "approved": _l("Shown publicly"),
    "hidden": _l("Hidden"),
}

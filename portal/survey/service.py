"""Survey answers: store one (once per visit and device), load them as plain answers for the index,
moderate suggestions. No request in here: the views pass plain values."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.exc import IntegrityError

from .. import audit, ikm, schedule
from ..availability import load_calendar
from ..clock import now
from ..extensions import db
from ..models import ServiceUnit, SurveyResponse
from ..reports.service import spam_reason


@dataclass
class NewAnswer:
    unit: ServiceUnit
    service: str
    visited_on: date
    mode: str
    scores: tuple[int | None, ...]
    suggestion: str | None = None
    profile: dict | None = None  # age_band, sex, education, occupation (each optional)
    device_key: str | None = None
    submission_token: str | None = None
    honeypot: str = ""


def device_key(cookie: str, secret: str) -> str:
    """A keyed hash of the device cookie: the stored value cannot be turned back into the cookie."""
    return hmac.new(secret.encode(), b"survey-device:" + cookie.encode(), hashlib.sha256).hexdigest()


def is_wfh_day(unit: ServiceUnit, day: date, calendar: schedule.Calendar | None = None) -> bool:
    """The visit day was a WFH day for the unit: the policy phase decided its service that day
    (online only, reduced capacity or a rotation), as the schedule shows it."""
    calendar = calendar or load_calendar(day, day, [unit.id])
    return calendar.status(unit.as_schedule_unit(), day).source == schedule.Source.PHASE


def existing(new: NewAnswer) -> SurveyResponse | None:
    """The answer this submission repeats: same submission token, or same device, unit and visit."""
    if new.submission_token:
        found = db.session.scalar(select(SurveyResponse).filter_by(submission_token=new.submission_token))
        if found is not None:
            return found
    if new.device_key:
        return db.session.scalar(select(SurveyResponse).filter_by(
            device_key=new.device_key, unit_id=new.unit.id, visited_on=new.visited_on))
    return None


def submit(new: NewAnswer, *, max_links: int) -> tuple[SurveyResponse, bool]:
    """Store an answer and commit it. Returns (answer, created): a repeat gives the first back."""
    found = existing(new)
    if found is not None:
        return found, False
    reason = spam_reason(new.suggestion or "", new.honeypot, max_links)
    profile = new.profile or {}
    answer = SurveyResponse(
        unit_id=new.unit.id, opd_id=new.unit.opd_id, service=new.service[:200], visited_on=new.visited_on,
        mode=new.mode, wfh_day=is_wfh_day(new.unit, new.visited_on),
        suggestion=new.suggestion or None, suggestion_state="pending",
        is_spam=reason is not None, spam_reason=reason, device_key=new.device_key,
        submission_token=new.submission_token,
        **{key: value for key, value in zip(ikm.ELEMENTS, new.scores)},
        **{key: profile.get(key) or None for key in ("age_band", "sex", "education", "occupation")},
    )
    db.session.add(answer)
    try:
        db.session.commit()
    except IntegrityError:  # the same submission or device won a race: one answer
        db.session.rollback()
        found = existing(new)
        if found is None:
            raise
        return found, False
    return answer, True


SCORE_COLUMNS = tuple(getattr(SurveyResponse, key) for key in ikm.ELEMENTS)


def load_answers(start: date, end: date, *, opd_id: int | None = None,
                 unit_id: int | None = None) -> list[ikm.Answer]:
    """The answers (spam left out) with a visit in [start, end], as plain values for ``ikm``."""
    query = (select(SurveyResponse.unit_id, SurveyResponse.opd_id, SurveyResponse.visited_on,
                    SurveyResponse.mode, SurveyResponse.wfh_day, *SCORE_COLUMNS)
             .where(SurveyResponse.visited_on.between(start, end), SurveyResponse.is_spam.is_(False)))
    if opd_id is not None:
        query = query.where(SurveyResponse.opd_id == opd_id)
    if unit_id is not None:
        query = query.where(SurveyResponse.unit_id == unit_id)
    return [ikm.Answer(row[0], row[1], row[2], row[3], bool(row[4]), tuple(row[5:]))
            for row in db.session.execute(query)]


def load_groups(start: date, end: date, phases: Sequence[schedule.Phase], *, opd_id: int | None = None,
                unit_id: int | None = None, units: bool = True) -> dict[ikm.Group, ikm.Tally]:
    """The answers of load_answers() added up by the database into ikm's finest groups (unit,
    phase in force on the visit day, mode, WFH day): a few hundred rows instead of one per answer.
    ``phases``: ikm.phases_in() of the range. The same tallies as adding the answers one by one
    (the scores are 1–4 or NULL by the table's constraints). Without ``units`` the groups are the
    OPDs' (unit id 0): what a summary of the city and its OPDs needs."""
    # schedule.phase_on(): when phases overlap, the one that started last; CASE takes the first match.
    latest_first = sorted(phases, key=lambda p: (p.starts_on, p.id), reverse=True)
    phase_id = case(*[(in_force_on(phase), phase.id) for phase in latest_first],
                    else_=ikm.OUTSIDE_PHASES) if latest_first else literal(ikm.OUTSIDE_PHASES)
    answered_any = or_(*(column.is_not(None) for column in SCORE_COLUMNS))
    unit = SurveyResponse.unit_id if units else literal(0)
    query = (select(unit, SurveyResponse.opd_id, phase_id.label("phase_id"), SurveyResponse.mode,
                    SurveyResponse.wfh_day, func.sum(case((answered_any, 1), else_=0)),
                    *(func.coalesce(func.sum(column), 0) for column in SCORE_COLUMNS),
                    *(func.count(column) for column in SCORE_COLUMNS))
             .where(SurveyResponse.visited_on.between(start, end), SurveyResponse.is_spam.is_(False))
             .group_by(*([SurveyResponse.unit_id] if units else []), SurveyResponse.opd_id, "phase_id",
                       SurveyResponse.mode, SurveyResponse.wfh_day))
    if opd_id is not None:
        query = query.where(SurveyResponse.opd_id == opd_id)
    if unit_id is not None:
        query = query.where(SurveyResponse.unit_id == unit_id)
    size = len(SCORE_COLUMNS)
    groups: dict[ikm.Group, ikm.Tally] = {}
    for row in db.session.execute(query):
        group = ikm.Group(row[0], row[1], row[2], row[3], bool(row[4]))
        tally = groups.setdefault(group, ikm.Tally())  # wfh_day stored as 0/1 on one backend: merge
        tally.merge(ikm.Tally(int(row[5]), [int(v) for v in row[6:6 + size]], [int(v) for v in row[6 + size:]]))
    return groups


def in_force_on(phase: schedule.Phase):
    """SQL: the phase covers the answer's visit day (schedule.Phase.covers)."""
    started = phase.starts_on <= SurveyResponse.visited_on
    return started if phase.ends_on is None else and_(started, SurveyResponse.visited_on <= phase.ends_on)


def public_suggestions(unit: ServiceUnit, limit: int) -> Sequence[SurveyResponse]:
    """The latest suggestions about a unit that staff approved for publication."""
    return db.session.scalars(
        select(SurveyResponse)
        .where(SurveyResponse.unit_id == unit.id, SurveyResponse.suggestion_state == "approved",
               SurveyResponse.suggestion.is_not(None), SurveyResponse.is_spam.is_(False))
        .order_by(SurveyResponse.visited_on.desc(), SurveyResponse.id.desc()).limit(limit)
    ).all()


def suggestion_query(opd_id: int | None, state: str):
    """Suggestions for the staff area: of one OPD (all for a city admin), in a state, newest first."""
    query = (select(SurveyResponse)
             .where(SurveyResponse.suggestion.is_not(None), SurveyResponse.suggestion_state == state)
             .order_by(SurveyResponse.created_at.desc(), SurveyResponse.id.desc()))
    if opd_id is not None:
        query = query.where(SurveyResponse.opd_id == opd_id)
    return query


def moderate(answer: SurveyResponse, state: str) -> None:
    """Approve a suggestion for publication or hide it; on the record (without the text's author:
    there is none), committed by the caller."""
    before = answer.suggestion_state
    answer.suggestion_state = state
    answer.moderated_at = now()
    audit.record("suggestion.moderate", answer, opd_id=answer.opd_id, unit_id=answer.unit_id,
                 before={"suggestion_state": before}, after={"suggestion_state": state},
                 summary=f"{answer.id}: {before} -> {state}")

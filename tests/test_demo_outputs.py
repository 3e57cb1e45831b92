"""The demo's output records: comparable phases, honest gaps, and seeding twice adds nothing."""

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.demo import seed
from portal.extensions import db
from portal.models import OperationalCost, Opd, OutputDay, OutputQuantity, ServiceUnit

from .conftest import DEMO_PASSWORD

pytestmark = pytest.mark.demo


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_every_agency_with_units_has_records_and_wfh_only_during_the_trial(app):
    with app.app_context():
        with_units = set(db.session.scalars(select(ServiceUnit.opd_id).distinct()))
        with_records = set(db.session.scalars(select(OutputDay.opd_id).distinct()))
        assert with_units == with_records
        wfh_days = db.session.scalars(select(OutputDay.day).where(OutputDay.mode == "wfh")).all()
        assert min(wfh_days) >= date(2025, 11, 1) and max(wfh_days) <= date(2025, 12, 31)
        # Tahap I: WFH on Thursdays only; Tahap II: every working day has both modes.
        assert {d.weekday() for d in wfh_days if d.month == 11} == {3}
        december = db.session.execute(select(OutputDay.day, func.count()).where(
            OutputDay.day >= date(2025, 12, 1), OutputDay.mode == "wfh").group_by(OutputDay.day)).all()
        assert len(december) >= 18


def test_some_days_are_missing_and_wfh_reports_are_less_complete(app):
    with app.app_context():
        dispusip = db.session.scalar(select(Opd).filter_by(slug="dispusip"))
        gap = db.session.scalars(select(OutputDay).where(
            OutputDay.opd_id == dispusip.id, OutputDay.day.between(date(2025, 10, 13), date(2025, 10, 17)))).all()
        assert gap == []  # a missing week, not a week of zeros

        def compliance(mode):
            due, submitted = db.session.execute(select(func.sum(OutputDay.reports_due),
                                                       func.sum(OutputDay.reports_submitted))
                                                .where(OutputDay.mode == mode)).one()
            return submitted / due

        assert compliance("wfh") < compliance("wfo") < 1
        assert db.session.scalar(select(func.min(OutputQuantity.quantity))) >= 0
        months = db.session.scalars(select(OperationalCost.month).distinct()).all()
        assert sorted(months) == [date(2025, 9, 1), date(2025, 10, 1), date(2025, 11, 1), date(2025, 12, 1)]


def test_seeding_again_adds_nothing(app):
    with app.app_context():
        before = [count(m) for m in (OutputDay, OutputQuantity, OperationalCost)]
        seed(DEMO_PASSWORD)
        assert [count(m) for m in (OutputDay, OutputQuantity, OperationalCost)] == before

"""The strip's sentences in Indonesian, plural forms included."""

from datetime import date

import pytest

from portal import history, schedule
from portal.history import ConfirmedReport, HistoryDay, OpdDay
from portal.schedule import Source, Status


@pytest.fixture
def ctx_id(app):
    with app.test_request_context("/?lang=id"):
        yield


def test_plural_sentences_are_indonesian(ctx_id):
    day = date(2025, 11, 6)
    status = schedule.DayStatus(day, Status.OPEN, Source.REGULAR)
    reports = (ConfirmedReport(1, day, "no_staff"), ConfirmedReport(1, day, "no_staff"))
    item = HistoryDay(day, status, status, reports)
    assert history.what_happened(item) == ("Janji tidak ditepati: 2 laporan gangguan dikonfirmasi petugas "
                                           "(Tidak ada petugas yang melayani).")
    row = OpdDay(day, {Status.OPEN: 2}, [(1, item), (2, item)])
    [bar] = history.opd_bars([row], {1: "Loket A", 2: "Loket B"})
    assert bar.text.endswith("Janji tidak ditepati di 2 unit: Loket A, Loket B.")

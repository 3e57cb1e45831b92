"""Schemathesis against /api/v1/openapi.json over WSGI with its default checks: the API does
exactly what its document says (statuses, schemas, parameters, content types), for valid requests
(positive cases: accepted, answers as documented) and invalid ones (negative cases: refused with a
documented 4xx, e.g. a non-enum, empty or repeated ``lang``).

Driven through schemathesis' Python API (each operation's hypothesis strategy) rather than its
pytest plugin, so that it runs on the ``app`` fixture of both backends.

One rule JSON Schema cannot express: dates more than three years from today are refused, and a
statistics range spans at most 731 days (both are in the parameters' descriptions). Positive cases
therefore keep their dates inside that window (``inside_window``); everything else is generated
freely. tests/test_api.py checks the refusals of dates outside it.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from portal.api.openapi import PATHS

from . import stats_data

EXAMPLES = 25
TODAY = date(2025, 11, 15)  # inside the statistics' data set
WINDOW_DAYS = 300


def inside_window(case):
    """Move the case's dates into the window the document describes in words."""
    query = case.query or {}
    for name in ("date", "from", "to"):
        value = query.get(name)
        if isinstance(value, str) and len(value) == 10:
            try:
                day = date.fromisoformat(value)
            except ValueError:
                continue
            query[name] = (TODAY - timedelta(days=WINDOW_DAYS)
                           + timedelta(days=day.toordinal() % (2 * WINDOW_DAYS))).isoformat()
    if "from" in query and "to" in query and len(query["from"]) == len(query["to"]) == 10:
        start, end = sorted((query["from"], query["to"]))
        query["from"], query["to"] = start, end
    return case


@pytest.mark.slow
@pytest.mark.config(TODAY=TODAY)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
def test_the_api_does_what_its_document_says(app, mode):
    with app.app_context():
        stats_data.build()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    found = [result.ok() for result in schema.get_all_operations()]
    assert len(found) == len(PATHS) - 1  # every path of the document but the document itself
    for operation in found:
        strategy = operation.as_strategy(generation_mode=mode)
        if mode is GenerationMode.POSITIVE:
            strategy = strategy.map(inside_window)

        @settings(max_examples=EXAMPLES, suppress_health_check=list(HealthCheck), deadline=None, database=None)
        @given(case=strategy)
        def check(case):
            # The WSGI transport does not decode gzip (which the portal sends above 1 KB): ask for
            # the plain answer, as a client that cannot decode it would.
            case.call_and_validate(headers={"Accept-Encoding": "identity"})

        check()
